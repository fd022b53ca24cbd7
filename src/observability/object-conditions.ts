import { Gauge, type Registry } from "prom-client";
import type { Condition } from "../api/index.js";

/** What the condition gauge needs of an object's state (ObjectState in either mode has it). */
export interface ObjectConditions {
  kind: string;
  namespace: string;
  name: string;
  status: { conditions: Condition[] };
}

/** Reads every object's current conditions at scrape time (the state store's list()). */
export type ConditionSource = () => Promise<readonly ObjectConditions[]> | readonly ObjectConditions[];

const STATUSES = ["True", "False", "Unknown"] as const;

/**
 * labop_object_condition{kind,namespace,name,type,status}: 1 for the condition's current
 * status and 0 for the other two, the way kube-state-metrics exposes conditions, so
 * `labop_object_condition{type="Ready",status="True"} == 0` selects every object that is
 * not Ready. Filled at scrape time from a source the runtime hands over (`readFrom`); an
 * object that is gone disappears from the next scrape.
 */
export function objectConditionGauge(registry: Registry) {
  let source: ConditionSource = () => [];
  const gauge = new Gauge({
    name: "labop_object_condition",
    help: "Current status of each condition of each lab object (1 for the status it has, 0 for the others).",
    labelNames: ["kind", "namespace", "name", "type", "status"] as const,
    registers: [registry],
    async collect() {
      const objects = await source();
      this.reset();
      for (const o of objects) {
        for (const c of o.status.conditions) {
          for (const status of STATUSES) {
            const labels = { kind: o.kind, namespace: o.namespace, name: o.name, type: c.type, status };
            this.set(labels, c.status === status ? 1 : 0);
          }
        }
      }
    },
  });
  return {
    gauge,
    /** Where conditions come from from now on (called once by the runtime at start). */
    readFrom(next: ConditionSource): void {
      source = next;
    },
  };
}
