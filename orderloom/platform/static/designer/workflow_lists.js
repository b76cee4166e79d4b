// The workflow edited in lists: states (with SLA hours), transitions (from, to, who
// may take them, condition, required fields), approvals per state (approvers, mode,
// when, outcomes, reminders and escalation) and automatic moves (timers). The same
// class shows one item in the diagram's side panel (`focus`), with its own source
// so each view redraws when the other one changes the draft (`single`).

import {clear, h, keyFrom, labelText} from "./dom.js";
import {fields} from "./form_model.js";
import {formulaInput} from "./formula_input.js";

// Whether a state's, approval's or automatic move's timers count whole working days.
function inDays(item) {
  return item.time_counts === "business_days";
}

function workflow(draft) {
  draft.workflow = draft.workflow || {states: [], transitions: []};
  for (const name of ["states", "transitions"]) draft.workflow[name] = draft.workflow[name] || [];
  return draft.workflow;
}

function list(draft, name) {
  const wf = workflow(draft);
  wf[name] = wf[name] || [];
  return wf[name];
}

export function renameState(wf, old, next) {
  const rename = (key) => (key === old ? next : key);
  for (const state of wf.states) state.key = rename(state.key);
  for (const tr of wf.transitions) {
    tr.from = (tr.from || []).map(rename);
    tr.to = rename(tr.to);
  }
  for (const ap of wf.approvals || []) {
    for (const member of ["state", "approved", "rejected"]) ap[member] = rename(ap[member]);
  }
  for (const move of wf.automatic || []) {
    move.from = rename(move.from);
    move.to = rename(move.to);
  }
}

export class WorkflowLists {
  constructor(store, t, lang, roles, {root, categories, users = [], source = "workflow", single = false}) {
    this.store = store;
    this.source = source;
    this.single = single;
    this.focus = null;
    this.users = users;
    this.t = t;
    this.lang = lang;
    this.roles = roles;
    this.categories = categories;
    this.el = root;
    store.on((event) => {
      if (event.kind === "replace" || (event.kind === "change" && event.source !== this.source)) {
        // Out of sight (another tab) it is drawn when its tab opens, not on every key.
        if (this.el.isConnected && !this.el.closest("[hidden]")) this.draw();
      }
      if (event.kind === "problems") this.markProblems();
    });
  }

  edit(name, index, coalesce, fn, redraw = false) {
    this.store.change((draft) => fn(list(draft, name)[index], draft),
      {source: this.source, coalesce: coalesce ? `${name}/${index}/${coalesce}` : ""});
    if (redraw) this.draw();
  }

  blocks() {
    const t = this.t;
    const wf = workflow(this.store.draft);
    return {
      states: () => this.block("states", t.states, wf.states, (s, i) => this.state(s, i), t.add_state,
        () => this.addState()),
      transitions: () => this.block("transitions", t.transitions, wf.transitions,
        (x, i) => this.transition(x, i), t.add_transition, () => this.addTransition()),
      approvals: () => this.block("approvals", t.approvals, wf.approvals || [], (a, i) => this.approval(a, i),
        t.add_approval, () => this.addApproval()),
      automatic: () => this.block("automatic", t.automatic, wf.automatic || [], (a, i) => this.automatic(a, i),
        t.add_automatic, () => this.addAutomatic()),
      money: () => this.money(),
      access: () => this.access(),
    };
  }

  draw() {
    if (this.single) {
      this.drawFocus();
      return;
    }
    // The people who exist, offered as approvers by name (a name nobody has is a problem).
    const names = h("datalist", {id: "approver-user-names"},
      this.users.map((name) => h("option", {value: name})));
    clear(this.el).append(...Object.values(this.blocks()).map((make) => make()), names);
    this.markProblems();
  }

  // One item alone (the side panel), or a hint when it is gone (removed, undone).
  drawFocus() {
    const {name, index} = this.focus || {};
    const item = name ? (workflow(this.store.draft)[name] || [])[index] : null;
    if (!item) {
      this.focus = null;
      clear(this.el).append(h("p", {class: "hint"}, this.t.diagram_panel_hint));
      return;
    }
    const one = {states: this.state, transitions: this.transition, approvals: this.approval,
      automatic: this.automatic}[name];
    clear(this.el).append(h("section", {class: "wf-block", dataset: {block: name}},
      h("h3", {}, this.t[name]),
      h("div", {class: "wf-item", dataset: {pointer: `/workflow/${name}/${index}`, key: item.key || ""}},
        one.call(this, item, index), h("p", {class: "prop-problem"}))));
    this.markProblems();
  }

  // Draw some blocks again and leave the others (and the box being typed in) alone.
  redraw(names) {
    const blocks = this.blocks();
    for (const name of names) {
      const old = this.el.querySelector(`[data-block="${name}"]`);
      if (old) old.replaceWith(blocks[name]());
    }
    this.markProblems();
  }

  block(name, title, items, one, addText, add) {
    return h("section", {class: "wf-block", dataset: {block: name}}, h("h3", {}, title),
      h("ol", {class: "wf-list"}, items.map((item, index) => h("li", {class: "wf-item",
        dataset: {pointer: `/workflow/${name}/${index}`, key: item.key || ""}},
      one(item, index), h("p", {class: "prop-problem"})))),
      h("button", {type: "button", class: `add-${name}`, onclick: add}, addText));
  }

  stateOptions(selected, {blank = false} = {}) {
    const states = workflow(this.store.draft).states;
    return [blank ? h("option", {value: ""}, "—") : null,
      states.map((s) => h("option", {value: s.key, selected: s.key === selected},
        `${labelText(s.label, this.lang, s.key)} (${s.key})`))];
  }

  tools(name, index, count) {
    const t = this.t;
    const swap = (delta) => {
      this.store.change((draft) => {
        const items = list(draft, name);
        const [item] = items.splice(index, 1);
        items.splice(index + delta, 0, item);
      }, {source: this.source});
      if (this.focus) this.focus.index += delta;
      this.draw();
    };
    return h("span", {class: "wf-tools"},
      h("button", {type: "button", class: "icon", "aria-label": t.move_up, disabled: index === 0,
        onclick: () => swap(-1)}, "↑"),
      h("button", {type: "button", class: "icon", "aria-label": t.move_down, disabled: index === count - 1,
        onclick: () => swap(1)}, "↓"),
      h("button", {type: "button", class: "icon danger", "aria-label": t.remove, onclick: () => {
        this.store.change((draft) => list(draft, name).splice(index, 1), {source: this.source});
        if (this.single) this.focus = null;
        this.draw();
      }}, "×"));
  }

  text(name, index, member, caption, value, set, attrs = {}) {
    return h("label", {class: "wf-prop"}, h("span", {}, caption),
      h("input", {type: "text", value: value ?? "", ...attrs,
        oninput: (event) => this.edit(name, index, member, (item) => set(item, event.target.value))}));
  }

  labels(name, index, item) {
    return ["en", "zh"].map((lang) => this.text(name, index, `label-${lang}`,
      `${this.t.label} (${this.t[`lang_${lang}`]})`, (item.label || {})[lang], (it, v) => {
        const next = {...(it.label || {})};
        if (v) next[lang] = v;
        else delete next[lang];
        it.label = next;
      }, {lang}));
  }

  hours(name, index, member, caption, value) {
    return this.text(name, index, member, caption, value, (it, v) => {
      if (v === "") delete it[member];
      else it[member] = Number.isNaN(Number(v)) ? v : Number(v);
    }, {inputmode: "decimal", class: "short"});
  }

  // How the timers' numbers of one state, approval or automatic move count (the
  // boxes' captions follow it, as the number is days when it counts business days): every
  // hour (nothing written), or the business calendar's working hours or days.
  counts(name, index, value) {
    const t = this.t;
    return this.select(name, index, "time_counts", t.time_counts,
      ["all_hours", "business_hours", "business_days"].map((c) =>
        h("option", {value: c, selected: (value || "all_hours") === c}, t[`counts_${c}`])),
      (it, v) => { if (v === "all_hours") delete it.time_counts; else it.time_counts = v; });
  }

  formula(name, index, member, caption, value, placeholder) {
    return h("div", {class: "wf-prop wide"}, h("span", {}, caption),
      formulaInput(this.store, this.t, {pointer: `/workflow/${name}/${index}/${member}`, value: value || "",
        placeholder, label: caption, builder: this.lang,
        onInput: (v) => this.edit(name, index, member, (it) => {
          if (v) it[member] = v;
          else delete it[member];
        })}));
  }

  checks(name, index, member, caption, choices, chosen, set) {
    return h("fieldset", {class: "wf-prop wide checks"}, h("legend", {}, caption),
      choices.map(([value, text]) => h("label", {class: "check"},
        h("input", {type: "checkbox", value, checked: (chosen || []).includes(value),
          onchange: (event) => this.edit(name, index, "", (it) => {
            const current = new Set(set.get(it) || []);
            if (event.target.checked) current.add(value);
            else current.delete(value);
            set.put(it, choices.map(([v]) => v).filter((v) => current.has(v)));
          })}), " ", text)));
  }

  select(name, index, member, caption, options, set) {
    return h("label", {class: "wf-prop"}, h("span", {}, caption),
      h("select", {onchange: (event) => this.edit(name, index, "", (it) => set(it, event.target.value), true)},
        options));
  }

  state(state, index) {
    const t = this.t;
    const count = workflow(this.store.draft).states.length;
    // A state's key is renamed when the user leaves the box, with every place that
    // names it (transitions, approvals, automatic moves), so nothing is left dangling.
    const key = h("input", {type: "text", class: "short", spellcheck: "false", value: state.key,
      onchange: (event) => {
        const old = state.key;
        const next = event.target.value.trim();
        if (!next || next === old) return;
        this.store.change((draft) => renameState(workflow(draft), old, next), {source: this.source});
        state.key = next;
        this.redraw(["transitions", "approvals", "automatic"]);
      }});
    return h("div", {class: "wf-row"},
      h("label", {class: "wf-prop"}, h("span", {}, t.key), key),
      this.labels("states", index, state),
      this.select("states", index, "kind", t.state_kind,
        ["start", "normal", "terminal"].map((k) => h("option", {value: k, selected: state.kind === k}, t[`kind_${k}`])),
        (it, v) => {
          it.kind = v;
          // A category the new kind cannot have (a terminal state that is "open")
          // becomes the kind's usual one rather than a problem to chase.
          if (this.refused(v).includes(this.categoryOf(it))) it.category = this.categories.default_for_kind[v];
        }),
      this.select("states", index, "category", t.state_category,
        this.categories.categories.filter((c) => !this.refused(state.kind).includes(c)).map((c) =>
          h("option", {value: c, title: t[`category_${c}_hint`], selected: this.categoryOf(state) === c},
            t[`category_${c}`])),
        (it, v) => { it.category = v; }),
      this.hours("states", index, "sla_hours", inDays(state) ? t.sla_days : t.sla_hours, state.sla_hours),
      this.counts("states", index, state.time_counts),
      this.tools("states", index, count));
  }

  // A state without a category means its kind's usual one (docs/designer.md); the
  // list shows that, and choosing writes it down.
  categoryOf(state) {
    return state.category || this.categories.default_for_kind[state.kind] || "open";
  }

  refused(kind) {
    return this.categories.refused_for_kind[kind] || [];
  }

  transition(tr, index) {
    const t = this.t;
    const states = workflow(this.store.draft).states.map((s) => [s.key, labelText(s.label, this.lang, s.key)]);
    const count = workflow(this.store.draft).transitions.length;
    const inputs = fields(this.store.draft).filter((f) => f.type !== "computed")
      .map((f) => [f.key, labelText(f.label, this.lang, f.key)]);
    return h("div", {class: "wf-row"},
      this.text("transitions", index, "key", t.key, tr.key, (it, v) => { it.key = v; },
        {class: "short", spellcheck: "false"}),
      this.labels("transitions", index, tr),
      this.checks("transitions", index, "from", t.from_states, states, tr.from,
        {get: (it) => it.from, put: (it, v) => { it.from = v; }}),
      this.select("transitions", index, "to", t.to_state, this.stateOptions(tr.to, {blank: !tr.to}),
        (it, v) => { it.to = v; }),
      this.checks("transitions", index, "roles", t.who_may, this.roles.map((r) => [r, r]), tr.roles,
        {get: (it) => it.roles, put: (it, v) => { if (v.length) it.roles = v; else delete it.roles; }}),
      this.formula("transitions", index, "condition", t.condition, tr.condition, "total < 100000"),
      this.checks("transitions", index, "required_fields", t.required_fields, inputs, tr.required_fields,
        {get: (it) => it.required_fields,
          put: (it, v) => { if (v.length) it.required_fields = v; else delete it.required_fields; }}),
      this.tools("transitions", index, count));
  }

  approval(ap, index) {
    const t = this.t;
    const count = (workflow(this.store.draft).approvals || []).length;
    const approvers = ap.approvers || {};
    return h("div", {class: "wf-row"},
      this.text("approvals", index, "key", t.key, ap.key, (it, v) => { it.key = v; },
        {class: "short", spellcheck: "false"}),
      this.labels("approvals", index, ap),
      this.select("approvals", index, "state", t.waits_in, this.stateOptions(ap.state, {blank: !ap.state}),
        (it, v) => { it.state = v; }),
      this.checks("approvals", index, "approvers", t.approver_roles, this.roles.map((r) => [r, r]),
        approvers.roles, {get: (it) => (it.approvers || {}).roles, put: (it, v) => {
          it.approvers = {...(it.approvers || {})};
          if (v.length) it.approvers.roles = v;
          else delete it.approvers.roles;
        }}),
      this.text("approvals", index, "users", t.approver_users, (approvers.users || []).join(", "), (it, v) => {
        const users = v.split(",").map((u) => u.trim()).filter(Boolean);
        it.approvers = {...(it.approvers || {})};
        if (users.length) it.approvers.users = users;
        else delete it.approvers.users;
      }, {list: "approver-user-names", autocomplete: "off", spellcheck: "false"}),
      this.select("approvals", index, "mode", t.mode,
        ["any", "all", "sequence"].map((m) => h("option", {value: m, selected: ap.mode === m}, t[`mode_${m}`])),
        (it, v) => { it.mode = v; }),
      this.formula("approvals", index, "when", t.approval_when, ap.when, "total > 5000"),
      this.outcome(ap, index, "approved", t.if_approved),
      this.outcome(ap, index, "rejected", t.if_rejected),
      ap.approved && ap.approved === ap.rejected
        ? h("p", {class: "wf-warning", role: "status"}, t.same_outcome_warning) : null,
      this.hours("approvals", index, "remind_after_hours", inDays(ap) ? t.remind_after_days : t.remind_after,
        ap.remind_after_hours),
      this.hours("approvals", index, "escalate_after_hours", inDays(ap) ? t.escalate_after_days : t.escalate_after,
        ap.escalate_after_hours),
      this.select("approvals", index, "escalate_to", t.escalate_to,
        [h("option", {value: ""}, "—"), this.roles.map((r) => h("option", {value: r, selected: ap.escalate_to === r}, r))],
        (it, v) => { if (v) it.escalate_to = v; else delete it.escalate_to; }),
      this.counts("approvals", index, ap.time_counts),
      h("label", {class: "check wf-prop"}, h("input", {type: "checkbox", checked: Boolean(ap.allow_delegation),
        onchange: (event) => this.edit("approvals", index, "", (it) => {
          if (event.target.checked) it.allow_delegation = true;
          else delete it.allow_delegation;
        })}), " ", t.allow_delegation),
      this.tools("approvals", index, count));
  }

  // Where an approved (or rejected) order goes. A new approval has neither, so the
  // problems ask for both; sending a rejection where an approval goes is asked about
  // first, since then deciding changes nothing.
  outcome(ap, index, member, caption) {
    const other = member === "approved" ? "rejected" : "approved";
    const select = h("select", {class: `outcome-${member}`, onchange: (event) => {
      const next = event.target.value;
      if (next && next === ap[other] && !window.confirm(this.t.same_outcome_confirm)) {
        event.target.value = ap[member] || "";
        return;
      }
      this.edit("approvals", index, "", (it) => { it[member] = next; }, true);
    }}, this.stateOptions(ap[member], {blank: !ap[member]}));
    return h("label", {class: "wf-prop"}, h("span", {}, caption), select);
  }

  automatic(move, index) {
    const t = this.t;
    const count = (workflow(this.store.draft).automatic || []).length;
    return h("div", {class: "wf-row"},
      this.text("automatic", index, "key", t.key, move.key, (it, v) => { it.key = v; },
        {class: "short", spellcheck: "false"}),
      this.select("automatic", index, "from", t.from_state, this.stateOptions(move.from),
        (it, v) => { it.from = v; }),
      this.select("automatic", index, "to", t.to_state, this.stateOptions(move.to), (it, v) => { it.to = v; }),
      this.hours("automatic", index, "after_hours", inDays(move) ? t.after_days : t.after_hours, move.after_hours),
      this.counts("automatic", index, move.time_counts),
      this.formula("automatic", index, "when", t.auto_when, move.when, "payment_status = \"paid\""),
      this.tools("automatic", index, count));
  }

  taken(name) {
    return new Set(list(this.store.draft, name).map((x) => x.key));
  }

  // From the diagram's toolbar the new item opens in the side panel instead
  // (focus false), and the page does not scroll to the list.
  addState({focus = true} = {}) {
    const t = this.t;
    const key = keyFrom("state", this.taken("states"), "state");
    this.store.change((draft) => list(draft, "states").push(
      {key, kind: "normal", category: this.categories.default_for_kind.normal,
        label: {en: t.new_state_en, zh: t.new_state_zh}}), {source: this.source});
    this.draw();
    if (focus) this.focusLast("states");
    return list(this.store.draft, "states").length - 1;
  }

  addTransition() {
    const t = this.t;
    const states = workflow(this.store.draft).states;
    const key = keyFrom("transition", this.taken("transitions"), "transition");
    const start = states.find((s) => s.kind === "start") || states[0];
    // Starting values name real states, so the draft stays checkable as a whole
    // (a missing state would hide the formula checks behind a structure problem).
    const to = states.find((s) => s.kind === "normal") || states.find((s) => s.kind === "terminal") || start;
    this.store.change((draft) => list(draft, "transitions").push({
      key, label: {en: t.new_transition_en, zh: t.new_transition_zh},
      from: start ? [start.key] : [], to: to ? to.key : "",
    }), {source: this.source});
    this.draw();
    this.focusLast("transitions");
  }

  addApproval({focus = true} = {}) {
    const states = workflow(this.store.draft).states;
    const key = keyFrom("approval", this.taken("approvals"), "approval");
    const waiting = states.find((s) => s.kind === "normal") || states[0];
    // No outcome is guessed: a guess (both to the first terminal state) looked finished
    // and published an approval whose decision changed nothing.
    this.store.change((draft) => list(draft, "approvals").push({
      key, state: waiting ? waiting.key : "", approvers: {roles: ["admin"]}, mode: "any",
      approved: "", rejected: "",
    }), {source: this.source});
    this.draw();
    if (focus) this.focusLast("approvals");
    return list(this.store.draft, "approvals").length - 1;
  }

  addAutomatic() {
    const states = workflow(this.store.draft).states;
    const key = keyFrom("timer", this.taken("automatic"), "timer");
    const start = states.find((s) => s.kind === "start") || states[0];
    const end = states.find((s) => s.kind === "terminal") || states[0];
    this.store.change((draft) => list(draft, "automatic").push({
      key, from: start ? start.key : "", to: end ? end.key : "", after_hours: 24,
    }), {source: this.source});
    this.draw();
    this.focusLast("automatic");
  }

  focusLast(name) {
    const items = this.el.querySelectorAll(`[data-block="${name}"] .wf-item`);
    const last = items[items.length - 1];
    if (last) {
      last.scrollIntoView({block: "nearest"});
      const input = last.querySelector("input");
      if (input) input.focus();
    }
  }

  // Who may record money by hand in any state (the order type's money section);
  // besides them, a role may where a transition it may take from the order's state
  // refunds. Ticking a role here needs payments.manage to publish.
  money() {
    const t = this.t;
    const money = this.store.draft.money || {};
    const kinds = [["payment", t.money_payment], ["refund", t.money_refund]];
    return h("section", {class: "wf-block", dataset: {block: "money"}}, h("h3", {}, t.money),
      h("p", {class: "hint"}, t.money_hint),
      h("ol", {class: "wf-list"}, kinds.map(([kind, caption]) => h("li", {class: "wf-item",
        dataset: {pointer: `/money/${kind}`, key: kind}},
      h("fieldset", {class: "wf-prop wide checks"}, h("legend", {}, caption),
        this.roles.map((role) => h("label", {class: "check"},
          h("input", {type: "checkbox", value: role, checked: (money[kind] || []).includes(role),
            onchange: (event) => this.store.change((draft) => {
              const chosen = new Set((draft.money || {})[kind] || []);
              if (event.target.checked) chosen.add(role);
              else chosen.delete(role);
              draft.money = draft.money || {};
              if (chosen.size) draft.money[kind] = this.roles.filter((r) => chosen.has(r));
              else delete draft.money[kind];
              if (!Object.keys(draft.money).length) delete draft.money;
            }, {source: this.source})}), " ", role))),
      h("p", {class: "prop-problem"})))));
  }

  // Who may see, enter, change and act on this type's orders (its access section):
  // roles ticked and people by username per kind; a kind with neither lets everyone
  // whose permissions allow it.
  access() {
    const t = this.t;
    const access = this.store.draft.access || {};
    const kinds = [["see", t.access_see], ["create", t.access_create], ["edit", t.access_edit],
      ["act", t.access_act]];
    const change = (kind, fn) => this.store.change((draft) => {
      const rule = {...((draft.access || {})[kind] || {})};
      fn(rule);
      for (const member of ["roles", "users"]) if (rule[member] && !rule[member].length) delete rule[member];
      draft.access = {...(draft.access || {})};
      if (Object.keys(rule).length) draft.access[kind] = rule;
      else delete draft.access[kind];
      if (!Object.keys(draft.access).length) delete draft.access;
    }, {source: this.source, coalesce: `access/${kind}`});
    return h("section", {class: "wf-block", dataset: {block: "access"}}, h("h3", {}, t.access_type),
      h("p", {class: "hint"}, t.access_type_hint),
      h("ol", {class: "wf-list"}, kinds.map(([kind, caption]) => {
        const rule = access[kind] || {};
        return h("li", {class: "wf-item", dataset: {pointer: `/access/${kind}`, key: kind}},
          h("fieldset", {class: "wf-prop wide checks"}, h("legend", {}, caption),
            this.roles.map((role) => h("label", {class: "check"},
              h("input", {type: "checkbox", value: role, checked: (rule.roles || []).includes(role),
                onchange: (event) => change(kind, (r) => {
                  const chosen = new Set(r.roles || []);
                  if (event.target.checked) chosen.add(role);
                  else chosen.delete(role);
                  r.roles = this.roles.filter((name) => chosen.has(name));
                })}), " ", role))),
          h("label", {class: "wf-prop wide"}, h("span", {}, t.access_users),
            h("input", {type: "text", value: (rule.users || []).join(", "), list: "approver-user-names",
              autocomplete: "off", spellcheck: "false",
              oninput: (event) => change(kind, (r) => {
                r.users = event.target.value.split(",").map((name) => name.trim()).filter(Boolean);
              })})),
          h("p", {class: "prop-problem"}));
      })));
  }

  markProblems() {
    for (const item of this.el.querySelectorAll(".wf-item")) {
      const found = this.store.problemsUnder(item.dataset.pointer).filter((p) => !p.line);
      item.classList.toggle("has-problem", found.length > 0);
      item.querySelector(":scope > .prop-problem").textContent = found
        .map((p) => `${p.pointer.slice(item.dataset.pointer.length) || "/"}: ${p.detail}`).join("; ");
    }
  }
}
