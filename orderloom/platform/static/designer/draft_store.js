// The draft being edited: every change goes through change(), which keeps the undo
// history, marks the draft unsaved, and asks the server (debounced) for the draft's
// problems, so mistakes show while the user types. Views listen with on().

import {call} from "./api.js";

const HISTORY = 200;
const CHECK_DELAY_MS = 250;
const COALESCE_MS = 1500;

export class DraftStore {
  constructor(boot) {
    this.key = boot.key;
    this.urls = boot.urls;
    this.draft = boot.draft;
    this.saved = JSON.stringify(boot.draft);
    this.problems = boot.problems || [];
    this.actionTypes = boot.action_types || [];
    this.undoStack = [];
    this.redoStack = [];
    this.listeners = [];
    this.checkSeq = 0;
    this.backupKey = `orderloom.designer.unsaved.${boot.key}`;
  }

  get dirty() {
    return JSON.stringify(this.draft) !== this.saved;
  }

  on(listener) {
    this.listeners.push(listener);
  }

  emit(event) {
    for (const listener of this.listeners) listener(event);
  }

  // fn edits this.draft in place. Typing in one input within a short time is one
  // undo step (coalesce names the input), not one per letter.
  change(fn, {source = "", coalesce = ""} = {}) {
    const before = JSON.stringify(this.draft);
    const now = Date.now();
    const merge = coalesce && this.lastCoalesce === coalesce && now - this.lastTime < COALESCE_MS;
    fn(this.draft);
    if (JSON.stringify(this.draft) === before) return;
    if (!merge) {
      this.undoStack.push(before);
      if (this.undoStack.length > HISTORY) this.undoStack.shift();
    }
    this.redoStack = [];
    this.lastCoalesce = coalesce;
    this.lastTime = now;
    this.afterChange({kind: "change", source});
  }

  replace(draft) {
    this.undoStack.push(JSON.stringify(this.draft));
    this.redoStack = [];
    this.draft = draft;
    this.afterChange({kind: "replace", source: ""});
  }

  undo() {
    if (!this.undoStack.length) return;
    this.redoStack.push(JSON.stringify(this.draft));
    this.draft = JSON.parse(this.undoStack.pop());
    this.lastCoalesce = "";
    this.afterChange({kind: "replace", source: "undo"});
  }

  redo() {
    if (!this.redoStack.length) return;
    this.undoStack.push(JSON.stringify(this.draft));
    this.draft = JSON.parse(this.redoStack.pop());
    this.lastCoalesce = "";
    this.afterChange({kind: "replace", source: "redo"});
  }

  afterChange(event) {
    this.backup();
    this.emit(event);
    clearTimeout(this.checkTimer);
    this.checkTimer = setTimeout(() => this.check(), CHECK_DELAY_MS);
  }

  // The unsaved draft is kept in the browser too, so a reload or a crash loses nothing.
  backup() {
    try {
      if (this.dirty) {
        localStorage.setItem(this.backupKey, JSON.stringify(
          {draft: this.draft, base: this.saved, at: new Date().toISOString()}));
      } else {
        localStorage.removeItem(this.backupKey);
      }
    } catch (error) { /* private mode or full: the server copy still counts */ }
  }

  // An unsaved copy left by an earlier visit, when it was made from what is saved now.
  leftover() {
    try {
      const found = JSON.parse(localStorage.getItem(this.backupKey) || "null");
      if (found && found.base === this.saved && JSON.stringify(found.draft) !== this.saved) {
        return found;
      }
    } catch (error) { /* unreadable: ignore it */ }
    return null;
  }

  forgetLeftover() {
    try { localStorage.removeItem(this.backupKey); } catch (error) { /* ignore */ }
  }

  async check() {
    const seq = ++this.checkSeq;
    const answer = await call("POST", this.urls.check, this.draft);
    if (seq !== this.checkSeq || !answer.ok) return;
    this.problems = answer.data.errors || [];
    this.emit({kind: "problems"});
  }

  async save() {
    const sent = JSON.stringify(this.draft);
    const answer = await call("PUT", this.urls.draft, this.draft);
    if (answer.ok) {
      this.saved = sent;
      this.problems = answer.data.errors || [];
      this.backup();
      this.emit({kind: "saved"});
      this.emit({kind: "problems"});
      // The save answers the full check, which stops at structure problems; ask
      // again for the formula problems behind them.
      this.check();
    }
    return answer;
  }

  problemsAt(where) {
    return this.problems.filter((p) => p.pointer === where);
  }

  problemsUnder(prefix) {
    return this.problems.filter((p) => p.pointer === prefix || p.pointer.startsWith(prefix + "/"));
  }
}
