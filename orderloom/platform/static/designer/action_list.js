// The actions a rule, a decision table row or a transition takes, edited as a list:
// the action's type, then only the settings that type has.

import {h, labelText} from "./dom.js";
import {fields} from "./form_model.js";
import {formulaInput} from "./formula_input.js";

// A carrier's code may come from a field of these types (designer/actions/shipment.py).
const CARRIER_FIELD_TYPES = ["choice", "text"];
// Types whose settings have an editor of their own below; every other type's settings
// are drawn from its members' schema, so a new action type needs nothing here.
const OWN_EDITORS = new Set(["set_field", "require_approval", "create_document",
  "create_shipment", "notify"]);

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
  // The registered action types (designer/actions/), in the page's language.
  const types = store.actionTypes;
  const starting = (type) => structuredClone(
    (types.find((kind) => kind.type === type) || {starting: {type}}).starting);
  const rows = actions.map((action, index) => {
    const at = `${pointer}/${index}`;
    const input = (member, caption, value, set, attrs = {}) => h("label", {class: "wf-prop"},
      h("span", {}, caption), h("input", {type: "text", value: value ?? "", ...attrs,
        oninput: (event) => edit(index, member, (a) => set(a, event.target.value))}));
    const settings = [];
    const kind = types.find((k) => k.type === action.type);
    if (kind && !OWN_EDITORS.has(action.type)) {
      for (const [member, schema, required] of kind.members) {
        const caption = t[`${action.type}_${member}`] || t[member] || member;
        const set = (a, v) => { if (v || required) a[member] = v; else delete a[member]; };
        if (schema.$ref === "#/$defs/label") {
          for (const l of ["en", "zh"]) {
            settings.push(input(`${member}-${l}`, `${caption} (${t[`lang_${l}`]})`, (action[member] || {})[l],
              (a, v) => { a[member] = {...(a[member] || {}), [l]: v}; if (!v) delete a[member][l]; }));
          }
        } else if (schema.$ref === "#/$defs/formula") {
          settings.push(h("div", {class: "wf-prop wide"}, h("span", {}, caption),
            formulaInput(store, t, {pointer: `${at}/${member}`, value: action[member] || "", label: caption,
              onInput: (v) => edit(index, member, (a) => set(a, v))})));
        } else {
          settings.push(input(member, caption, action[member], set));
        }
      }
    }
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
    if (action.type === "require_approval") {
      settings.push(h("label", {class: "wf-prop"}, h("span", {}, t.approval),
        h("select", {onchange: (event) => edit(index, "approval", (a) => { a.approval = event.target.value; })},
          h("option", {value: ""}, "—"),
          approvals.map((k) => h("option", {value: k, selected: k === action.approval}, k)))));
    }
    if (action.type === "create_document") {
      // The documents there are: the schema's enum (designer/actions/documents.py).
      const documents = kind.members.find(([member]) => member === "document")[1].enum;
      settings.push(h("label", {class: "wf-prop"}, h("span", {}, t.document),
        h("select", {onchange: (event) => edit(index, "document", (a) => { a.document = event.target.value; })},
          documents.map((d) => h("option", {value: d, selected: d === action.document}, t[`doc_${d}`] || d)))));
    }
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
      // Rate shopping: the modes are the schema's enum (designer/actions/shipment.py).
      const modes = kind.members.find(([member]) => member === "choose")[1].enum;
      settings.push(h("label", {class: "wf-prop"}, h("span", {}, t.carrier_choose),
        h("select", {onchange: (event) => edit(index, "choose", (a) => {
          if (event.target.value) a.choose = event.target.value;
          else delete a.choose;
        })},
          h("option", {value: ""}, t.choose_none),
          modes.map((m) => h("option", {value: m, selected: m === action.choose}, t[`choose_${m}`] || m)))));
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
      })}, types.map((k) => h("option", {value: k.type, selected: k.type === action.type}, k.label))),
      settings,
      h("button", {type: "button", class: "icon danger", "aria-label": t.remove,
        onclick: () => structural((list) => list.splice(index, 1))}, "×"),
      h("p", {class: "prop-problem"}));
  });
  return h("div", {class: "actions"}, h("ol", {class: "action-list"}, rows),
    h("button", {type: "button", class: "add-action",
      onclick: () => structural((list) => list.push(starting(types[0].type)))}, t.add_action));
}

export function markActionProblems(store, root) {
  for (const item of root.querySelectorAll(".action")) {
    const found = store.problemsUnder(item.dataset.pointer).filter((p) => !p.line);
    item.querySelector(".prop-problem").textContent = found.map((p) => p.detail).join("; ");
  }
}
