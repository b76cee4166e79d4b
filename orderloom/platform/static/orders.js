// The staff console's small helpers: select every order for a bulk action, and keep
// a form from being sent twice by a double click (the server would refuse the second
// as stale, but the message would confuse).

const selectAll = document.getElementById("select-all");
const bulkCount = document.getElementById("bulk-count");

function boxes() {
  return Array.from(document.querySelectorAll('input[name="numbers"]'));
}

function showCount() {
  if (!bulkCount) return;
  const chosen = boxes().filter((box) => box.checked).length;
  bulkCount.textContent = chosen ? `${chosen} selected` : "";
}

if (selectAll) {
  selectAll.addEventListener("change", () => {
    for (const box of boxes()) box.checked = selectAll.checked;
    showCount();
  });
}
for (const box of boxes()) box.addEventListener("change", showCount);

for (const form of document.querySelectorAll('form[method="post"]')) {
  form.addEventListener("submit", (event) => {
    // A document opening in another tab leaves this page as it is, ready for more.
    if (event.submitter && event.submitter.formTarget === "_blank") return;
    // After this event the browser has already read which button was pressed.
    setTimeout(() => {
      for (const button of form.querySelectorAll("button")) button.disabled = true;
    }, 0);
  });
}

// Coming back with the browser's Back button restores the page as it was left.
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) return;
  for (const button of document.querySelectorAll('form[method="post"] button')) {
    if (!button.hasAttribute("data-blocked")) button.disabled = false;
  }
});
