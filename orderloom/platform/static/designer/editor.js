// The designer page: reads the draft the server put in the page, and wires the
// store to the tabs (form, workflow, rules, look-up tables, routing, print templates, simulation,
// publish), the toolbar (save, undo, redo), keyboard shortcuts and the warning on
// leaving with unsaved changes.

import {h, labelText} from "./dom.js";
import {DraftStore} from "./draft_store.js";
import {FieldPanel} from "./field_panel.js";
import {FormCanvas} from "./form_canvas.js";
import {placeAll} from "./form_model.js";
import {FormPreview} from "./form_preview.js";
import {LookupTablesEditor} from "./lookup_tables_editor.js";
import {placeOf} from "./problem_places.js";
import {refreshFormulas} from "./formula_input.js";
import {PrintEditor} from "./print_editor.js";
import {Publisher} from "./publish.js";
import {RoutingEditor} from "./routing_editor.js";
import {RulesEditor} from "./rules_editor.js";
import {Replay} from "./replay.js";
import {Simulation} from "./simulation.js";
import {WorkflowCanvas} from "./workflow_diagram.js";
import {WorkflowLists} from "./workflow_lists.js";

const boot = JSON.parse(document.getElementById("designer-boot").textContent);
const t = boot.text;
const lang = boot.language;
const store = new DraftStore(boot);
const $ = (selector) => document.querySelector(selector);

// A definition without a layout still shows every field on the canvas.
if (placeAll(store.draft, t)) store.backup();

const panel = new FieldPanel(store, t, lang, {
  panel: $("#field-panel"),
  meanings: boot.meanings,
  roles: boot.roles,
  onRenamed: (selection) => { canvas.selected = selection; canvas.draw(); },
});
const canvas = new FormCanvas(store, t, lang, {
  palette: $("#palette"),
  canvas: $("#form-canvas"),
  onSelect: (selection) => panel.show(selection),
});
const preview = new FormPreview(store, t, lang, {preview: $("#form-preview")});
const workflow = new WorkflowLists(store, t, lang, boot.roles,
  {root: $("#workflow-lists"), categories: boot.state_categories, users: boot.users});
const workflowPanel = new WorkflowLists(store, t, lang, boot.roles,
  {root: $("#workflow-panel"), categories: boot.state_categories, users: boot.users, source: "workflow-panel", single: true});
const diagram = new WorkflowCanvas(store, t, lang,
  {root: $("#workflow-diagram"), lists: workflow, panel: workflowPanel});
const rules = new RulesEditor(store, t, lang, {root: $("#rules-editor")});
const lookupTables = new LookupTablesEditor(store, t, lang, {root: $("#lookup-tables-editor")});
const routing = new RoutingEditor(store, t, lang, boot.warehouses, {root: $("#routing-editor")});
const printing = new PrintEditor(store, t, lang, {root: $("#print-editor")});
const simulation = new Simulation(store, t, lang, boot.roles, {root: $("#simulation")});
const replay = new Replay(store, t, lang, {root: $("#replay")});
const publisher = new Publisher(store, t, {root: $("#publish"), canPublish: boot.can_publish,
  onSaved: () => showStatus(), describe: (problem) => problemLine(problem)});

const views = {
  form: () => { canvas.draw(); panel.draw(); },
  workflow: () => { workflow.draw(); workflowPanel.draw(); diagram.draw(); },
  rules: () => rules.draw(),
  tables: () => lookupTables.draw(),
  routing: () => routing.draw(),
  print: () => printing.draw(),
  simulate: () => { simulation.draw(); replay.draw(); },
  publish: () => publisher.draw(),
};
let current = "form";

function openTab(name) {
  current = name;
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    const active = tab.dataset.tab === name;
    tab.setAttribute("aria-selected", String(active));
    tab.tabIndex = active ? 0 : -1;
    document.getElementById(`tab-${tab.dataset.tab}`).hidden = !active;
  }
  views[name]();
  history.replaceState(null, "", `#${name}`);
}

for (const tab of document.querySelectorAll('[role="tab"]')) {
  tab.addEventListener("click", () => openTab(tab.dataset.tab));
  tab.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
    const tabs = [...document.querySelectorAll('[role="tab"]')];
    const next = tabs[(tabs.indexOf(tab) + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
    next.focus();
    openTab(next.dataset.tab);
  });
}

// The form tab switches between designing and the live preview.
for (const button of document.querySelectorAll("[data-form-mode]")) {
  button.addEventListener("click", () => {
    const previewing = button.dataset.formMode === "preview";
    $("#form-design").hidden = previewing;
    $("#form-preview").hidden = !previewing;
    for (const b of document.querySelectorAll("[data-form-mode]")) {
      b.setAttribute("aria-pressed", String(b === button));
    }
    if (previewing) preview.draw();
  });
}

function showStatus() {
  const status = $("#save-state");
  const count = store.problems.length;
  status.textContent = store.dirty ? t.unsaved : t.saved;
  status.classList.toggle("dirty", store.dirty);
  const problems = $("#problem-count");
  problems.textContent = count ? t.problems_n.replace("{n}", count) : t.no_problems;
  problems.classList.toggle("error", count > 0);
  $("#undo").disabled = !store.undoStack.length;
  $("#redo").disabled = !store.redoStack.length;
  const list = $("#problem-list");
  list.replaceChildren(...store.problems.map((p) => h("li", {}, problemLine(p))));
}

// A problem named by what it is in (the field's label, the approval's name), which
// opens it when clicked; the pointer stays in the tooltip for those who read them.
function problemLine(problem) {
  const where = problem.line ? ` ${problem.line}:${problem.column}` : "";
  const place = placeOf(store.draft, problem.pointer, t, lang);
  if (!place) return [h("code", {}, problem.pointer || "/"), where, " ", problem.detail];
  return [h("button", {type: "button", class: "link problem-place", title: problem.pointer,
    onclick: () => goTo(place)}, place.title),
  place.rest ? ` › ${place.rest}` : "", where, ": ", problem.detail];
}

function goTo(place) {
  openTab(place.tab);
  if (place.selection) {
    $('[data-form-mode="design"]').click();
    canvas.select(place.selection);
    return;
  }
  const item = document.querySelector(`#tab-${place.tab} [data-pointer="${place.item}"]`);
  if (!item) return;
  item.scrollIntoView({block: "center"});
  const input = item.querySelector("input, select, textarea");
  if (input) input.focus();
}

// Short notes ("Moved.", "Draft saved.") go away after a while; errors stay.
new MutationObserver(() => {
  const note = $("#designer-status");
  clearTimeout(note.timer);
  if (!note.classList.contains("error")) note.timer = setTimeout(() => { note.textContent = ""; }, 4000);
}).observe($("#designer-status"), {childList: true, characterData: true, subtree: true});

store.on((event) => {
  if (event.kind === "problems") refreshFormulas();
  if ((event.kind === "change" || event.kind === "replace") && current === "workflow") diagram.draw();
  if (event.kind === "replace" && current !== "form" && current !== "workflow") views[current]();
  showStatus();
});

async function save() {
  const button = $("#save");
  button.disabled = true;
  const answer = await store.save();
  button.disabled = false;
  const note = $("#designer-status");
  note.textContent = answer.ok ? t.saved_note : `${t.save_failed}: ${answer.data.detail || answer.status}`;
  note.classList.toggle("error", !answer.ok);
  showStatus();
}

$("#save").addEventListener("click", save);
// The workflow tab is long: these take the user straight to a list (approvals
// once sat thousands of pixels down, below every state and transition).
for (const button of document.querySelectorAll("[data-jump]")) {
  button.addEventListener("click", () => {
    const block = document.querySelector(`#workflow-lists [data-block="${button.dataset.jump}"]`);
    if (!block) return;
    block.scrollIntoView({block: "start"});
    block.querySelector("input, select, button")?.focus({preventScroll: true});
  });
}
$("#problem-count").addEventListener("click", () => $("#problems").toggleAttribute("open"));
$("#undo").addEventListener("click", () => store.undo());
$("#redo").addEventListener("click", () => store.redo());

document.addEventListener("keydown", (event) => {
  if (!(event.ctrlKey || event.metaKey)) return;
  const key = event.key.toLowerCase();
  if (key === "s") {
    event.preventDefault();
    save();
    return;
  }
  // In a text box the browser's own undo of the typing comes first.
  if (event.target.closest("input, textarea, select")) return;
  if (key === "z" && !event.shiftKey) {
    event.preventDefault();
    store.undo();
  } else if (key === "y" || (key === "z" && event.shiftKey)) {
    event.preventDefault();
    store.redo();
  }
});

window.addEventListener("beforeunload", (event) => {
  if (!store.dirty) return;
  event.preventDefault();
  event.returnValue = t.leave_warning;
});

// A reload with unsaved changes offers them back.
const leftover = store.leftover();
if (leftover) {
  const banner = $("#leftover");
  banner.hidden = false;
  banner.querySelector(".leftover-time").textContent = new Date(leftover.at).toLocaleString();
  banner.querySelector(".restore").addEventListener("click", () => {
    store.replace(leftover.draft);
    banner.hidden = true;
    views[current]();
  });
  banner.querySelector(".discard").addEventListener("click", () => {
    store.forgetLeftover();
    banner.hidden = true;
  });
}

document.title = `${labelText(store.draft.name, lang, boot.key)} · ${t.designer}`;
const start = (location.hash || "#form").slice(1);
openTab(views[start] ? start : "form");
showStatus();
