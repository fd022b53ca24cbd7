-- Argo CD health check for openstacklab.io LabManager, LibvirtNetwork and TripleOUndercloud
-- (kstatus conditions: Ready, Reconciling, Stalled; status.observedGeneration; spec.suspend or a
-- Suspended condition, as Flux objects have, for Argo CD's Suspended).
-- Install it under resource.customizations.health.openstacklab.io_<Kind> in argocd-cm
-- (see argocd-cm-health.yaml).
local hs = { status = "Progressing", message = "Waiting for the operator" }
if obj.metadata ~= nil and obj.metadata.deletionTimestamp ~= nil then
  hs.message = "Deleting: cleaning up what the object created"
  return hs
end
local conditions = (obj.status ~= nil and obj.status.conditions) or {}
local function condition(name)
  for _, c in ipairs(conditions) do
    if c.type == name then return c end
  end
  return nil
end
local suspended = condition("Suspended")
if (obj.spec ~= nil and obj.spec.suspend == true) or (suspended ~= nil and suspended.status == "True") then
  hs.status = "Suspended"
  hs.message = "Suspended: reconciling and drift repair are paused until spec.suspend is false"
  return hs
end
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
-- The generation the status speaks for: status.observedGeneration, or else the newest a
-- condition was computed for (metav1.Condition.observedGeneration; a failed reconcile sets
-- only those).
local seen = obj.status.observedGeneration
for _, c in ipairs(conditions) do
  if c.observedGeneration ~= nil and (seen == nil or c.observedGeneration > seen) then seen = c.observedGeneration end
end
if seen == nil or seen < (obj.metadata.generation or 0) then
  hs.message = "The operator has not yet seen the latest spec"
  return hs
end
local ready, stalled, reconciling = condition("Ready"), condition("Stalled"), condition("Reconciling")
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
