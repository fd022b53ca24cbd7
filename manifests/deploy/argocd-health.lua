-- Argo CD health check for openstacklab.io LabManager, LibvirtNetwork and TripleOUndercloud
-- (kstatus conditions: Ready, Reconciling, Stalled; status.observedGeneration).
-- Install it under resource.customizations.health.openstacklab.io_<Kind> in argocd-cm
-- (see argocd-cm-health.yaml).
local hs = { status = "Progressing", message = "Waiting for the operator" }
if obj.metadata ~= nil and obj.metadata.deletionTimestamp ~= nil then
  hs.message = "Deleting: cleaning up what the object created"
  return hs
end
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
if obj.status.observedGeneration == nil or obj.status.observedGeneration < (obj.metadata.generation or 0) then
  hs.message = "The operator has not yet seen the latest spec"
  return hs
end
local ready, stalled, reconciling
for _, c in ipairs(obj.status.conditions) do
  if c.type == "Ready" then ready = c end
  if c.type == "Stalled" then stalled = c end
  if c.type == "Reconciling" then reconciling = c end
end
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = (stalled.reason or "Stalled") .. ": " .. (stalled.message or "")
  return hs
end
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message or "Ready"
  return hs
end
local why = reconciling or ready
if why ~= nil then
  hs.message = (why.reason or "Reconciling") .. ": " .. (why.message or "")
end
return hs
