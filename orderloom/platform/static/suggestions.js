// Suggestions under a text box as you type (the order form's product picker and customer
// search): a listbox the keyboard walks with the arrows, Enter or a click picks, Escape
// closes. The box stays free text; a pick only fills it (and whatever the caller fills).
(function () {
  "use strict";

  let counter = 0;

  // ``find(text)`` resolves to [{label, item}]; ``pick(item)`` fills the form.
  function attach(input, find, pick) {
    if (input.dataset.suggesting) return;
    input.dataset.suggesting = "1";
    counter += 1;
    const list = document.createElement("ul");
    list.className = "suggestions";
    list.id = `suggestions-${counter}`;
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.insertAdjacentElement("afterend", list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    input.autocomplete = "off";
    let found = [];
    let active = -1;
    let timer = null;
    let asked = 0;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function mark(index) {
      active = index;
      list.querySelectorAll("[role=option]").forEach((option, i) => {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
        if (i === index) input.setAttribute("aria-activedescendant", option.id);
      });
    }

    function choose(index) {
      const chosen = found[index];
      close();
      if (chosen) pick(chosen.item);
    }

    async function refresh() {
      const text = input.value.trim();
      const mine = ++asked;
      if (!text) { close(); return; }
      const answer = await find(text).catch(() => []);
      if (mine !== asked) return; // a later keystroke asked again
      found = answer;
      list.textContent = "";
      found.forEach((entry, index) => {
        const option = document.createElement("li");
        option.id = `${list.id}-${index}`;
        option.setAttribute("role", "option");
        option.textContent = entry.label;
        list.appendChild(option);
      });
      if (!found.length) { close(); return; }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      mark(-1);
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(refresh, 150);
    });
    input.addEventListener("keydown", (event) => {
      if (list.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        mark((active + step + found.length) % found.length);
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape") {
        close();
      }
    });
    // mousedown, not click: a click would blur the box and close the list first.
    list.addEventListener("mousedown", (event) => {
      const option = event.target.closest("[role=option]");
      if (!option) return;
      event.preventDefault();
      choose(Array.from(list.children).indexOf(option));
    });
    input.addEventListener("blur", () => setTimeout(close, 100));
    // Typed into before this script ran (a slow connection, a fast typist): the
    // keystrokes came before the listener, so suggest for what is there now.
    if (document.activeElement === input && input.value.trim()) refresh();
  }

  window.Suggestions = { attach };
})();
