// On a phone-wide screen the top bar's links fold behind a Menu button, so that the bar
// never makes a page wider than the screen. Without this script the links wrap instead.
(function () {
  "use strict";

  const button = document.getElementById("menu-button");
  const bar = button ? button.closest(".topbar") : null;
  if (!bar) return;
  button.hidden = false;
  bar.classList.add("foldable");
  button.addEventListener("click", () => {
    const open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    bar.classList.toggle("menu-open", open);
  });
})();
