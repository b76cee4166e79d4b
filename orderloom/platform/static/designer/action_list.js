// The actions a rule, a decision table row or a transition takes, edited as a list:
// the action's type, then only the settings that type has.

import {h, labelText} from "./dom.js";
import {fields} from "./form_model.js";
import {formulaInput} from "./formula_input.js";

export const ACTION_TYPES = [
  "add_tag", "set_field", "block", "require_approval", "notify", "choose_warehouse",
  "reserve_stock", "release_stock", "deduct_stock", "route", "create_document", "webhook",
  "sync_channel_stock", "create_shipment", "refund",
];
// A carrier's code may come from a field of these types (designer/validation.py).
const CARRIER_FIELD_TYPES = ["choice", "text"];
const DOCUMENTS = ["pick_list", "packing_slip", "shipping_label", "invoice"];

function starting(type) {
  switch (type) {
    case "add_tag": return {type, tag: "tag"};
    case "set_field": return {type, field: "", value: ""};
    case "block": return {type, message: {en: "", zh: ""}};
    case "require_approval": return {type, approval: ""};
    case "notify": return {type, to: {roles: ["admin"]}, template: "Order {{ order.number }}"};
    case "choose_warehouse": return {type, warehouse: ""};
    case "create_document": return {type, document: "packing_slip"};
    case "webhook": return {type, event: "order.changed"};
    case "create_shipment": return {type, carrier: "local"};
    default: return {type};
  }
}

// locate(draft) gives the array; pointer is where it is in the definition; redraw
// draws the owner again after a structural change.
export function actionList(store, t, lang, {locate, pointer, redraw, source}) {
  const actions = locate(store.draft) || [];
  const edit = (index, member, fn) => store.change((draft) => fn(locate(draft, true)[index]),
    {source, coalesce: `${pointer}/${index}/${member}`});
  const structural = (fn) => {
    store.change((draft) => fn(locate(draft, true)), {source});
    redraw();
  };
  const approvals = ((store.draft.workflow || {}).approvals || []).map((a) => a.key);
  const rows = actions.map((action, index) => {
    const at = `${pointer}/${index}`;
    const input = (member, caption, value, set, attrs = {}) => h("label", {class: "wf-prop"},
      h("span", {}, caption), h("input", {type: "text", value: value ?? "", ...attrs,
        oninput: (event) => edit(index, member, (a) => set(a, event.target.value))}));
    const settings = [];
    if (action.type === "add_tag") settings.push(input("tag", t.tag, action.tag, (a, v) => { a.tag = v; }));
    if (action.type === "set_field") {
      settings.push(h("label", {class: "wf-prop"}, h("span", {}, t.field),
        h("select", {onchange: (event) => edit(index, "field", (a) => { a.field = event.target.value; })},
          h("option", {value: ""}, "—"),
          fields(store.draft).map((f) => h("option", {value: f.key, selected: f.key === action.field},
            labelText(f.label, lang, f.key))))));
      settings.push(h("div", {class: "wf-prop wide"}, h("span", {}, t.value_formula),
        formulaInput(store, t, {pointer: `${at}/value`, value: action.value || "", label: t.value_formula,
          onInput: (v) => edit(index, "value", (a) => { a.value = v; })})));
    }
    if (action.type === "block") {
      for (const l of ["en", "zh"]) {
        settings.push(input(`message-${l}`, `${t.message} (${t[`lang_${l}`]})`, (action.message || {})[l],
          (a, v) => { a.message = {...(a.message || {}), [l]: v}; if (!v) delete a.message[l]; }));
      }
    }
    if (action.type === "require_approval") {
      settings.push(h("label", {class: "wf-prop"}, h("span", {}, t.approval),
        h("select", {onchange: (event) => edit(index, "approval", (a) => { a.approval = event.target.value; })},
          h("option", {value: ""}, "—"),
          approvals.map((k) => h("option", {value: k, selected: k === action.approval}, k)))));
    }
    if (action.type === "choose_warehouse") {
      settings.push(input("warehouse", t.warehouse, action.warehouse, (a, v) => { a.warehouse = v; }));
    }
    if (action.type === "create_document") {
      settings.push(h("label", {class: "wf-prop"}, h("span", {}, t.document),
        h("select", {onchange: (event) => edit(index, "document", (a) => { a.document = event.target.value; })},
          DOCUMENTS.map((d) => h("option", {value: d, selected: d === action.document}, t[`doc_${d}`] || d)))));
    }
    if (action.type === "webhook") settings.push(input("event", t.event, action.event, (a, v) => { a.event = v; }));
    if (action.type === "create_shipment") {
      settings.push(input("carrier", t.carrier, action.carrier, (a, v) => { a.carrier = v; }));
      settings.push(h("label", {class: "wf-prop"}, h("span", {}, t.carrier_field),
        h("select", {onchange: (event) => edit(index, "carrier_field", (a) => {
          if (event.target.value) a.carrier_field = event.target.value;
          else delete a.carrier_field;
        })},
          h("option", {value: ""}, "—"),
          fields(store.draft).filter((f) => CARRIER_FIELD_TYPES.includes(f.type)).map((f) =>
            h("option", {value: f.key, selected: f.key === action.carrier_field},
              labelText(f.label, lang, f.key))))));
    }
    if (action.type === "refund") {
      settings.push(h("div", {class: "wf-prop wide"}, h("span", {}, t.refund_amount),
        formulaInput(store, t, {pointer: `${at}/amount`, value: action.amount || "", label: t.refund_amount,
          onInput: (v) => edit(index, "amount", (a) => { if (v) a.amount = v; else delete a.amount; })})));
      settings.push(input("reason", t.reason, action.reason, (a, v) => { if (v) a.reason = v; else delete a.reason; }));
    }
    if (action.type === "notify") {
      const to = action.to || {};
      settings.push(input("roles", t.notify_roles, (to.roles || []).join(", "), (a, v) => {
        const roles = v.split(",").map((r) => r.trim()).filter(Boolean);
        a.to = {...(a.to || {})};
        if (roles.length) a.to.roles = roles;
        else delete a.to.roles;
      }));
      settings.push(h("label", {class: "check wf-prop"}, h("input", {type: "checkbox", checked: Boolean(to.customer),
        onchange: (event) => edit(index, "customer", (a) => {
          a.to = {...(a.to || {})};
          if (event.target.checked) a.to.customer = true;
          else delete a.to.customer;
        })}), " ", t.notify_customer));
      settings.push(input("subject", t.subject, action.subject, (a, v) => { if (v) a.subject = v; else delete a.subject; }));
      settings.push(h("label", {class: "wf-prop wide"}, h("span", {}, t.template),
        h("textarea", {rows: "2", class: "code", oninput: (event) => edit(index, "template", (a) => {
          a.template = event.target.value;
        })}, action.template || "")));
    }
    return h("li", {class: "action", dataset: {pointer: at}},
      h("select", {"aria-label": t.action_type, onchange: (event) => structural((list) => {
        list[index] = starting(event.target.value);
      })}, ACTION_TYPES.map((type) => h("option", {value: type, selected: type === action.type},
        t[`action_${type}`] || type))),
      settings,
      h("button", {type: "button", class: "icon danger", "aria-label": t.remove,
        onclick: () => structural((list) => list.splice(index, 1))}, "×"),
      h("p", {class: "prop-problem"}));
  });
  return h("div", {class: "actions"}, h("ol", {class: "action-list"}, rows),
    h("button", {type: "button", class: "add-action",
      onclick: () => structural((list) => list.push(starting("add_tag")))}, t.add_action));
}

export function markActionProblems(store, root) {
  for (const item of root.querySelectorAll(".action")) {
    const found = store.problemsUnder(item.dataset.pointer).filter((p) => !p.line);
    item.querySelector(".prop-problem").textContent = found.map((p) => p.detail).join("; ");
  }
}
