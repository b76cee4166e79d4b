// The packing bench beside scanning (floor.js): weighing the parcel on the bench, and
// printing its shipping label as soon as the parcel closes, without another click. The
// label is the order's own label document, printed from a sandboxed frame that runs no
// script; every print, and each reprint, is logged on the wave and the order.

// In a block: floor.js, loaded before, has names of its own at the top level.
{
  const bench = window.floorScreen;
  const screen = document.getElementById("scan-screen");
  const weight = document.getElementById("weight");
  const frame = document.getElementById("label-frame");
  const reprint = document.getElementById("reprint-label");
  let lastLabel = null;  // where the label of the parcel closed last is printed from

  async function printLabel(url) {
    try {
      const printed = await bench.send(url, {});
      frame.onload = () => {
        frame.onload = null;
        try { frame.contentWindow.print(); } catch (noPrint) { /* shown, not printed */ }
        screen.dataset.labelPrinted = `${printed.order}:${printed.print}`;
      };
      frame.srcdoc = printed.html;
      document.getElementById("label-note").textContent = printed.words;
    } catch (failed) {
      bench.show(false, bench.failure(failed));
    }
    bench.focus();
  }

  screen.addEventListener("answered", (event) => {
    const answer = event.detail;
    if (answer.label_print) {
      lastLabel = answer.label_print;
      if (reprint) reprint.hidden = false;
      bench.after(() => printLabel(answer.label_print));
    }
  });

  if (reprint) {
    reprint.addEventListener("click", () => {
      if (lastLabel) bench.after(() => printLabel(lastLabel));
    });
  }

  if (weight) {
    weight.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      const grams = weight.value.trim();
      weight.value = "";
      if (!grams) return;
      bench.after(async () => {
        try {
          bench.answered(await bench.send(screen.dataset.weighUrl,
                                          { order: bench.bench(), grams }));
        } catch (failed) {
          bench.show(false, bench.failure(failed));
          screen.dataset.answered = String(Number(screen.dataset.answered || 0) + 1);
        }
        bench.focus();
      });
    });
  }
}
