import { generateCorpus, LAB_FILES, renderFile, type LabFile } from "./corpus.js";
import { RuntimeLane } from "./runtime-lane.js";
const { lab, cases } = generateCorpus();
const good = Object.fromEntries(LAB_FILES.map((f) => [f, renderFile(lab[f])])) as Record<LabFile, string>;
let t = Date.now();
const lane = await RuntimeLane.start(good);
console.log("start", Date.now() - t);
for (const c of cases.filter((_, i) => i % 200 === 0)) { console.log("case", c.id.slice(0, 100));
  t = Date.now();
  await lane.write(c.file, c.bytes);
  const w = Date.now() - t; t = Date.now();
  await lane.restore(c.file);
  console.log(c.id.slice(0, 60), "write", w, "restore", Date.now() - t);
}
await lane.stop();
