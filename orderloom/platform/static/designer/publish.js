// Publishing: save the draft, show what changed since the last version, and publish
// it with a note; the version history below, each version comparable with the draft.

import {call} from "./api.js";
import {clear, h} from "./dom.js";

export class Publisher {
  constructor(store, t, {root, canPublish, onSaved, describe}) {
    this.store = store;
    this.describe = describe;
    this.t = t;
    this.el = root;
    this.canPublish = canPublish;
    this.onSaved = onSaved;
  }

  async draw() {
    const t = this.t;
    const status = h("p", {class: "publish-status", role: "status"});
    this.changes = h("div", {class: "publish-changes"});
    this.history = h("div", {class: "publish-history"});
    const note = h("input", {type: "text", id: "publish-note", maxlength: "500", placeholder: t.publish_note_hint});
    const button = h("button", {type: "button", id: "publish-button", class: "primary",
      disabled: !this.canPublish, onclick: () => this.publish(note.value, status)}, t.publish);
    clear(this.el).append(h("h3", {}, t.changes_since), this.changes,
      h("div", {class: "publish-form"}, h("label", {for: "publish-note"}, t.publish_note), note, button),
      h("p", {class: "hint", hidden: this.canPublish}, t.publish_not_allowed),
      status, h("h3", {}, t.history), this.history);
    if (this.store.dirty) {
      const saved = await this.store.save();
      if (!saved.ok) {
        status.textContent = `${t.save_failed}: ${saved.data.detail || saved.status}`;
        return;
      }
      this.onSaved();
    }
    await this.showHistory();
    await this.showDiff();
    if (this.store.problems.length) {
      status.className = "publish-status error";
      // Each problem named by what it is in, and opening it, so the way to publishing
      // starts here rather than in the pointers of the list at the top.
      clear(status).append(t.publish_has_problems.replace("{n}", this.store.problems.length),
        h("ul", {}, this.store.problems.map((p) => h("li", {}, this.describe(p)))));
    }
  }

  async showDiff(from = null) {
    const t = this.t;
    if (!this.published) {
      clear(this.changes).append(h("p", {class: "hint"}, t.first_version));
      return;
    }
    const url = from ? `${this.store.urls.diff}?from=${from}&to=draft` : this.store.urls.diff;
    const answer = await call("GET", url);
    clear(this.changes);
    if (!answer.ok) {
      this.changes.append(h("p", {class: "error"}, answer.data.detail));
      return;
    }
    const changes = answer.data.changes || [];
    if (from) this.changes.append(h("p", {class: "hint"}, t.compared_with.replace("{n}", from)));
    if (!changes.length) {
      this.changes.append(h("p", {class: "hint"}, t.no_changes));
      return;
    }
    // Each change is {what, key, change: added|removed|changed, members}.
    this.changes.append(h("ul", {class: "diff"}, changes.map((c) => h("li", {class: `diff-${c.change}`},
      h("span", {class: "diff-change"}, t[`change_${c.change}`] || c.change), " ",
      t[`what_${c.what}`] || c.what, " ", h("code", {}, c.key),
      c.members && c.members.length ? ` (${c.members.join(", ")})` : ""))));
  }

  async showHistory() {
    const t = this.t;
    const answer = await call("GET", this.store.urls.versions);
    clear(this.history);
    if (!answer.ok) return;
    this.published = answer.data.length;
    if (!answer.data.length) {
      this.history.append(h("p", {class: "hint"}, t.never_published));
      return;
    }
    this.history.append(h("table", {class: "grid versions"},
      h("thead", {}, h("tr", {}, h("th", {}, t.version), h("th", {}, t.published_at), h("th", {}, t.published_by),
        h("th", {}, t.publish_note), h("th", {}))),
      h("tbody", {}, [...answer.data].reverse().map((v) => h("tr", {dataset: {version: String(v.number)}},
        h("td", {}, `v${v.number}`), h("td", {}, new Date(v.published_at).toLocaleString()),
        h("td", {}, v.published_by), h("td", {}, v.note || ""),
        h("td", {}, h("button", {type: "button", class: "link compare", onclick: () => this.showDiff(v.number)},
          t.compare_with_draft), " ",
        h("button", {type: "button", class: "link restore-version", onclick: () => this.restore(v.number)},
          t.restore_version)))))));
  }

  // An old version back into the draft (undo takes it out again); it becomes
  // current only when published.
  async restore(number) {
    const answer = await call("GET", `${this.store.urls.versions}/${number}`);
    if (!answer.ok) return;
    this.store.replace(answer.data.definition);
    const note = document.getElementById("designer-status");
    if (note) note.textContent = this.t.restored_version.replace("{n}", number);
  }

  async publish(note, status) {
    const t = this.t;
    if (this.store.dirty) {
      const saved = await this.store.save();
      if (!saved.ok) {
        status.textContent = `${t.save_failed}: ${saved.data.detail}`;
        return;
      }
      this.onSaved();
    }
    const answer = await call("POST", this.store.urls.publish, note ? {note} : {});
    if (!answer.ok) {
      status.className = "publish-status error";
      const errors = answer.data.errors || [];
      // The detail repeats the first problem by its pointer; the list names them all.
      clear(status).append(t.publish_failed, errors.length ? "" : `: ${answer.data.detail || ""}`,
        errors.length ? h("ul", {}, errors.map((e) => h("li", {}, this.describe(e)))) : "");
      return;
    }
    status.className = "publish-status ok";
    status.textContent = t.published_version.replace("{n}", answer.data.number);
    document.dispatchEvent(new CustomEvent("designer:published", {detail: answer.data}));
    await this.showHistory();
    await this.showDiff();
  }
}
