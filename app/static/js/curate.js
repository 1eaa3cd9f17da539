// Curation: clicking an answer writes it to the gold key through the annotation API
// (`?as=gold`), then the page reloads to show the key as stored.

// The catalogue loads beside the page, not before it: a click works from the first moment.
const catalogue = import("./i18n.js");
const t = async (message, params) => (await catalogue).t(message, params);

const root = document.getElementById("curate");
const api = root.dataset.api;
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const status = document.getElementById("curate-status");

function newClientId() {
  return crypto.randomUUID ? crypto.randomUUID().replaceAll("-", "")
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function send(method, path, body) {
  const url = `${api}${path}${path.includes("?") ? "&" : "?"}as=gold`;
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.ok) return null;
  try {
    const data = await response.json();
    return data?.error?.message || await t("The server refused this ({status}).", { status: response.status });
  } catch {
    return await t("The server refused this ({status}).", { status: response.status });
  }
}

const passageText = (start, end) => {
  const text = JSON.parse(document.getElementById("curate-text").textContent);
  return Array.from(text).slice(start, end).join("");
};

async function act(button) {
  const d = button.dataset;
  let error = null;
  if (d.action === "tag") {
    error = await send("PUT", `/passages/${d.passage}/tag`, { label: d.label, version: d.version ? Number(d.version) : null });
  } else if (d.action === "untag") {
    error = await send("DELETE", `/passages/${d.passage}/tag?version=${d.version}`);
  } else if (d.action === "accept") {
    const start = Number(d.start);
    const end = Number(d.end);
    const attributes = JSON.parse(d.attributes || "{}");
    error = await send("POST", "/spans", {
      client_id: newClientId(), layer: d.layer, label: d.label, start, end,
      text: passageText(start, end), attributes,
    });
  } else if (d.action === "remove") {
    error = await send("DELETE", `/spans/${d.span}?version=${d.version}`);
  }
  if (error) {
    status.textContent = error;
    status.dataset.state = "error";
    button.disabled = false;
    return;
  }
  sessionStorage.setItem("sourcemark:curate-scroll", String(window.scrollY));
  window.location.reload();
}

root.ownerDocument.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  button.disabled = true;
  status.dataset.state = "saving";
  status.textContent = await t("Saving…");
  act(button);
});

const scroll = sessionStorage.getItem("sourcemark:curate-scroll");
if (scroll) {
  sessionStorage.removeItem("sourcemark:curate-scroll");
  window.scrollTo(0, Number(scroll));
}
