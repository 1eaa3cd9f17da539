// The claims board: evidence copied on the annotation page ("Copy as evidence") is offered
// in each verdict form as a button that fills in its document and words.
import { t } from "./i18n.js";

const CLIPBOARD = "sourcemark:evidence";

function copied() {
  try {
    const value = JSON.parse(localStorage.getItem(CLIPBOARD) || "null");
    return value && Number.isInteger(value.document_id) && Number.isInteger(value.start)
      && Number.isInteger(value.end) ? value : null;
  } catch {
    return null;
  }
}

const evidence = copied();
for (const form of document.querySelectorAll(".verdict-form")) {
  const button = form.querySelector(".use-copied-evidence");
  if (!button || !evidence) continue;
  button.hidden = false;
  button.textContent = t("Use the words you copied: “{words}” ({title})", { words: evidence.title, title: evidence.document_title });
  button.addEventListener("click", () => {
    form.elements.evidence_document_id.value = String(evidence.document_id);
    form.elements.evidence_start.value = String(evidence.start);
    form.elements.evidence_end.value = String(evidence.end);
    form.elements.evidence_passage.value = "";
    button.textContent = t("Evidence: “{words}” ({title}) — save the verdict to keep it", { words: evidence.title, title: evidence.document_title });
    button.setAttribute("aria-pressed", "true");
  });
}
