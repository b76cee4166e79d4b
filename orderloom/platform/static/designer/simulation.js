// The simulation panel: paste a sample order or generate one from the form, then see
// what the draft on screen would do with it: computed fields, problems with the
// values, each rule and decision table row that matches, the route, and which
// transitions each role could take. Nothing is stored. "Exercise every rule and
// approval" asks the server for samples that make each of them fire once, and says
// which could not be made to fire and why.

import {call} from "./api.js";
import {clear, h, labelText} from "./dom.js";
import {fields} from "./form_model.js";

function sampleValue(field, n) {
  switch (field.type) {
    case "text": case "long_text": return `${labelText(field.label, "en", field.key)} ${n}`;
    case "email": return "buyer@example.com";
    case "phone": return "13800000000";
    case "number": return 2;
    case "integer": return n + 1;
    case "money": return (n * 100 + 50).toFixed(2);
    case "boolean": return false;
    case "date": return new Date().toISOString().slice(0, 10);
    case "datetime": return new Date().toISOString().replace(/\.\d+Z$/, "+00:00");
    case "choice": return (field.options || [{}])[0].value;
    case "multi_choice": return [(field.options || [{}])[0].value];
    case "address": return {country: "CN", province: "Zhejiang", city: "Hangzhou", street: "1 West Lake Rd"};
    case "customer": return {code: "C1", name: "Li Wei", tier: "gold"};
    case "product": return n === 1 ? "TEA-01" : "CUP-02";
    default: return undefined;
  }
}

export function generateSample(draft) {
  const data = {};
  for (const field of fields(draft)) {
    if (field.type === "computed" || field.type === "attachment") continue;
    if (field.type === "line_items") {
      data[field.key] = [1, 2].map((n) => {
        const line = {};
        for (const column of field.fields || []) {
          const value = sampleValue(column, n);
          if (value !== undefined) line[column.key] = value;
        }
        return line;
      });
    } else {
      const value = field.default !== undefined ? field.default : sampleValue(field, 1);
      if (value !== undefined) data[field.key] = value;
    }
  }
  return data;
}

export class Simulation {
  constructor(store, t, lang, roles, {root}) {
    this.store = store;
    this.t = t;
    this.lang = lang;
    this.roles = roles;
    this.el = root;
    this.sample = null;
  }

  draw() {
    const t = this.t;
    if (this.sample === null) this.sample = JSON.stringify(generateSample(this.store.draft), null, 2);
    const states = ((this.store.draft.workflow || {}).states || []);
    this.textarea = h("textarea", {id: "sim-data", rows: "16", spellcheck: "false", class: "code",
      oninput: (event) => { this.sample = event.target.value; }}, this.sample);
    this.stateSelect = h("select", {id: "sim-state"}, h("option", {value: ""}, t.sim_start_state),
      states.map((s) => h("option", {value: s.key}, labelText(s.label, this.lang, s.key))));
    this.roleBoxes = this.roles.map((role) => h("input", {type: "checkbox", value: role, checked: true}));
    this.results = h("div", {class: "sim-results", "aria-live": "polite"});
    clear(this.el).append(h("div", {class: "sim-layout"},
      h("div", {class: "sim-input"},
        h("label", {for: "sim-data"}, t.sim_sample),
        this.textarea,
        h("div", {class: "sim-actions"},
          h("button", {type: "button", id: "sim-generate", onclick: () => {
            this.sample = JSON.stringify(generateSample(this.store.draft), null, 2);
            this.textarea.value = this.sample;
          }}, t.sim_generate),
          h("label", {for: "sim-state"}, t.sim_state), this.stateSelect,
          h("button", {type: "button", id: "sim-run", class: "primary", onclick: () => this.run()}, t.sim_run),
          h("button", {type: "button", id: "sim-cover", onclick: () => this.cover()}, t.sim_cover)),
        h("fieldset", {class: "wf-prop checks sim-roles"}, h("legend", {}, t.sim_roles),
          this.roleBoxes.map((box) => h("label", {class: "check"}, box, " ", box.value)))),
      this.results));
  }

  async run() {
    const t = this.t;
    let data;
    try {
      data = JSON.parse(this.textarea.value);
    } catch (error) {
      this.show([h("p", {class: "error", role: "alert"}, `${t.sim_bad_json}: ${error.message}`)]);
      return;
    }
    const body = {definition: this.store.draft, data, language: this.lang};
    if (this.stateSelect.value) body.state = this.stateSelect.value;
    const roles = this.roleBoxes.filter((box) => box.checked).map((box) => box.value);
    if (roles.length) body.roles = roles;
    const answer = await call("POST", this.store.urls.simulate, body);
    if (!answer.ok) {
      this.showRefusal(answer);
      return;
    }
    this.show(this.report(answer.data));
  }

  // A refused run or coverage: each problem with the place it names.
  showRefusal(answer) {
    const errors = (answer.data && answer.data.errors) || [];
    this.show([h("p", {class: "error", role: "alert"}, this.t.sim_failed),
      h("ul", {}, (errors.length ? errors : [answer.data]).map((e) =>
        h("li", {}, `${e.pointer || ""} ${e.detail || ""}`)))]);
  }

  async cover() {
    let data;
    try {
      data = JSON.parse(this.textarea.value);
    } catch (error) {
      data = generateSample(this.store.draft);
    }
    const answer = await call("POST", this.store.urls.cover,
      {definition: this.store.draft, data, language: this.lang});
    if (!answer.ok) {
      this.showRefusal(answer);
      return;
    }
    this.show([this.coverage(answer.data)]);
  }

  coverage(result) {
    const t = this.t;
    const targets = result.targets || [];
    const fired = targets.filter((x) => x.fired).length;
    const use = (index) => h("button", {type: "button", class: "sim-use", dataset: {sample: String(index)},
      onclick: () => {
        this.sample = JSON.stringify(result.samples[index].data, null, 2);
        this.textarea.value = this.sample;
        this.run();
      }}, `${t.sim_use_sample} ${index + 1}`);
    return h("section", {class: "sim-block", id: "sim-coverage"}, h("h3", {}, t.sim_coverage),
      targets.length ? h("p", {class: "sim-coverage-summary"},
        `${fired} / ${targets.length} ${t.sim_fired_count}`) : h("p", {class: "hint"}, t.sim_nothing_to_fire),
      h("div", {class: "grid-scroll"}, h("table", {class: "grid"}, h("tbody", {}, targets.map((x) =>
        h("tr", {class: x.fired ? "matched" : "not-fired", dataset: {target: `${x.kind}:${x.key}`}},
          h("th", {}, x.kind === "rule" ? t.sim_kind_rule : t.sim_kind_approval),
          h("td", {}, x.label, x.condition ? [" ", h("code", {}, x.condition)] : null),
          h("td", {}, x.fired ? t.sim_fires : t.sim_never_fires),
          h("td", {}, x.fired ? use(x.sample) : h("span", {class: "why"}, this.why(x)))))))));
  }

  // Why a rule or approval could not be made to fire, in the designer's language: the
  // server names the reason by its code and the values it needs.
  why(target) {
    const words = this.t[`sim_why_${target.code}`];
    if (!words) return target.why;
    return words.replace(/\{(\w+)\}/g, (_m, name) => String(target[name] ?? ""));
  }

  show(nodes) {
    clear(this.results).append(...nodes);
  }

  report(result) {
    const t = this.t;
    const lang = this.lang;
    const byKey = new Map(fields(this.store.draft).map((f) => [f.key, f]));
    const yes = (b) => (b ? t.yes : t.no);
    const actions = (list) => (list || []).map((a) => h("code", {}, JSON.stringify(a)));
    return [
      h("section", {class: "sim-block", id: "sim-computed"}, h("h3", {}, t.sim_computed),
        h("div", {class: "grid-scroll"}, h("table", {class: "grid"}, h("tbody", {}, Object.entries(result.computed || {}).map(([k, v]) =>
          h("tr", {dataset: {computed: k}}, h("th", {}, labelText((byKey.get(k) || {}).label, lang, k)),
            h("td", {}, v === null ? "—" : String(v)))))))),
      h("section", {class: "sim-block", id: "sim-problems"}, h("h3", {}, t.sim_problems),
        (result.problems || []).length
          ? h("ul", {}, result.problems.map((p) => h("li", {}, `${p.pointer}: ${p.detail}`)))
          : h("p", {class: "ok"}, t.sim_no_problems)),
      h("section", {class: "sim-block", id: "sim-rules"}, h("h3", {}, t.sim_rules),
        (result.rules || []).length ? null : h("p", {class: "hint"}, t.sim_no_rules),
        h("div", {class: "grid-scroll"}, h("table", {class: "grid"}, h("tbody", {}, (result.rules || []).map((r) =>
          h("tr", {class: r.matched ? "matched" : ""}, h("th", {}, r.key), h("td", {}, yes(r.matched)),
            h("td", {}, actions(r.actions), r.fault ? h("span", {class: "error"}, r.fault) : null)))))),
        (result.decision_tables || []).map((d) => h("p", {}, h("strong", {}, d.key), ": ",
          d.matched.length ? d.matched.map((m) => h("span", {}, `${t.row} ${m.row + 1} `, actions(m.actions)))
            : t.sim_no_row))),
      h("section", {class: "sim-block", id: "sim-route"}, h("h3", {}, t.sim_route),
        h("div", {class: "grid-scroll"}, h("table", {class: "grid"}, h("tbody", {}, Object.entries(result.route || {}).map(([k, v]) =>
          h("tr", {}, h("th", {}, t[`route_${k}`] || k),
            h("td", {}, v === null ? "—" : typeof v === "object" ? JSON.stringify(v) : String(v)))))))),
      h("section", {class: "sim-block", id: "sim-transitions"}, h("h3", {}, `${t.sim_transitions} (${result.state})`),
        h("div", {class: "grid-scroll"}, h("table", {class: "grid"}, h("tbody", {}, Object.entries(result.transitions || {}).map(([role, list]) =>
          h("tr", {}, h("th", {}, role), h("td", {}, list.length ? list.map((x) =>
            h("span", {class: `tag${x.blocked ? " blocked" : ""}`, title: x.blocked || ""},
              `${x.key} → ${x.to}${x.blocked ? ` (${x.blocked})` : ""}`)) : "—"))))))),
    ];
  }
}
