// Settling a 409: the stored state differs from what this tab last saw (changed in another
// tab). The annotator keeps their own version (sent again over the stored one) or the stored
// one (their own then goes to the "not saved" list).

import { t } from "../i18n.js";
import { newClientId } from "./ids.js";

export function mineOf(op, spans) {
  if (op.kind === "update") return { ...spans.get(op.clientId) };
  if (op.kind === "delete") return null;
  if (op.kind === "tag") return op.label ? { label: op.label } : null;
  if (op.kind === "rating") return { values: op.values };
  return null;
}

export function sameAsWanted(op, current) {
  if (!current) return op.kind === "delete" || (op.kind === "tag" && !op.label);
  if (op.kind === "update") return Object.entries(op.changes).every(([k, v]) => JSON.stringify(current[k]) === JSON.stringify(v));
  if (op.kind === "tag") return current.label === op.label;
  if (op.kind === "rating") return JSON.stringify(current.values) === JSON.stringify(op.values);
  return false;
}

/** Apply the annotator's choice and carry on sending. */
export function resolve(store, op, current, choice) {
  store.outbox.shift();
  if (choice === "mine") {
    if (op.kind === "update" || op.kind === "delete") {
      if (current) {
        store.known.set(op.clientId, { id: current.id, version: current.version });
        store.outbox.unshift(op);
      } else {
        // Deleted elsewhere: keeping my edit means making the span again.
        const span = store.spans.get(op.clientId);
        store.spans.delete(op.clientId);
        store.known.delete(op.clientId);
        if (span) {
          const { start, end, text, layer, label, note, attributes } = span;
          const body = { client_id: newClientId(), start, end, text, layer, label, note, attributes };
          store.spans.set(body.client_id, { ...body, pending: true });
          store.outbox.unshift({ kind: "create", body });
        }
      }
    } else if (op.kind === "tag") {
      if (current) store.tagVersions.set(op.passageId, current.version);
      else store.tagVersions.delete(op.passageId);
      store.outbox.unshift(op);
    } else if (op.kind === "rating") {
      store.ratingVersion = current ? current.version : null;
      store.outbox.unshift(op);
    }
  } else {
    // Keep the stored one: adopt it and drop queued changes to the same thing; what was
    // mine goes to the "not saved" list rather than nowhere.
    if (op.kind !== "delete") store.keep(op, t("You kept the stored version instead of this one."));
    const same = (other) =>
      (op.clientId !== undefined && other.clientId === op.clientId) ||
      (op.kind === "tag" && other.kind === "tag" && other.passageId === op.passageId) ||
      (op.kind === "rating" && other.kind === "rating");
    store.outbox = store.outbox.filter((other) => !same(other));
    if (op.kind === "update" || op.kind === "delete") {
      store.spans.delete(op.clientId);
      store.known.delete(op.clientId);
      if (current) {
        // The span keeps the key this tab knows it by (its client id or "s" + its id).
        store.spans.set(op.clientId, { ...current, client_id: op.clientId });
        store.known.set(op.clientId, { id: current.id, version: current.version });
      }
    } else if (op.kind === "tag") {
      if (current) {
        store.tags.set(op.passageId, current.label);
        store.tagVersions.set(op.passageId, current.version);
      } else {
        store.tags.delete(op.passageId);
        store.tagVersions.delete(op.passageId);
      }
    } else if (op.kind === "rating") {
      store.rating = current ? { values: current.values } : null;
      store.ratingVersion = current ? current.version : null;
      store.emit("rating", {});
    }
  }
  store.saveOutbox();
  store.emit("change", { all: true });
  store.setState("saving", t("Saving…"));
  store.flush();
}
