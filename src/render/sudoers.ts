import { posixUserName } from "../api/index.js";
import { fill, loadTemplate } from "./template.js";

/** The /etc/sudoers.d/<user> file: passwordless sudo. The name is re-checked: it lands in sudoers. */
export function renderSudoers(user: string): string {
  const name = posixUserName.parse(user);
  return fill(loadTemplate("sudoers/nopasswd"), { user: name }, (v) => v);
}
