// The scan screens of the warehouse floor. A keyboard-wedge scanner types the code and
// Enter into the scan box; each scan goes to the server at once, and its verdict shows
// in colour with a short beep (high: accepted, low and long: refused). The box keeps
// the focus, so the next scan lands there whatever was tapped. Texts come translated
// with the page, in data- attributes or in the server's answer.

const screen = document.getElementById("scan-screen");
const box = document.getElementById("scan");
const feedback = document.getElementById("feedback");
const instruction = document.getElementById("instruction");
let bench = null;  // the order on the packing bench
let audio = null;

function beep(accepted) {
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    const tone = audio.createOscillator();
    const volume = audio.createGain();
    tone.frequency.value = accepted ? 1200 : 220;
    tone.type = accepted ? "sine" : "square";
    volume.gain.value = 0.15;
    tone.connect(volume).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + (accepted ? 0.08 : 0.4));
  } catch (noAudio) { /* a page without sound still shows the colour */ }
}

function show(accepted, words) {
  feedback.textContent = words;
  feedback.className = "feedback " + (accepted ? "ok" : "refused");
  screen.classList.remove("flash-ok", "flash-refused");
  void screen.offsetWidth;  // restart the flash for two scans in a row
  screen.classList.add(accepted ? "flash-ok" : "flash-refused");
  screen.dataset.last = accepted ? "ok" : "refused";
  beep(accepted);
}

function fill(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_all, name) => String(values[name] ?? "?"));
}

async function send(url, body) {
  const response = await fetch(url, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json",
               "X-CSRF-Token": screen.dataset.csrf },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(String(response.status));
  return response.json();
}

function showBench(order) {
  const list = document.getElementById("bench");
  list.replaceChildren();
  if (!order) return;
  for (const line of order.lines) {
    const item = document.createElement("li");
    item.dataset.sku = line.sku;
    item.className = line.packed >= line.quantity ? "done" : "";
    item.textContent = `${line.sku} · ${line.packed} / ${line.quantity}`;
    list.append(item);
  }
}

function markOrder(number, status, words) {
  const item = document.querySelector(`#wave-orders li[data-order="${CSS.escape(number)}"]`);
  if (item) { item.dataset.status = status; item.textContent = `${number} · ${words}`; }
}

function answered(answer) {
  show(answer.accepted, answer.words);
  if (screen.dataset.step === "pick") {
    instruction.textContent = answer.instruction;
  } else {
    if (answer.done === "shipped" || answer.done === "packed_in_full") {
      markOrder(answer.order, "packed", screen.dataset.packed);
      bench = null;
    } else if (answer.bench) {
      bench = answer.bench.number;
    }
    showBench(bench ? answer.bench : null);
    instruction.textContent = bench ? fill(screen.dataset.scanItems, { order: bench })
      : screen.dataset.scanOrder;
  }
  const progress = document.getElementById("progress");
  if (progress && answer.progress) {
    progress.textContent = progress.textContent.replace(/\d+(\D+)\d+/,
      `${answer.progress.done}$1${answer.progress.total}`);
  }
  screen.dataset.waveDone = answer.wave_done ? "yes" : "no";
  screen.dataset.answered = String(Number(screen.dataset.answered || 0) + 1);
}

let busy = Promise.resolve();

function scan(code) {
  // Scans are sent one after the other, in the order they were made.
  busy = busy.then(async () => {
    try {
      const body = screen.dataset.step === "pack" ? { code, order: bench } : { code };
      answered(await send(screen.dataset.scanUrl, body));
    } catch (failed) {
      show(false, screen.dataset.failed);
      screen.dataset.answered = String(Number(screen.dataset.answered || 0) + 1);
    }
  });
  return busy;
}

box.addEventListener("keydown", (event) => {
  if (event.key !== "Enter") return;
  event.preventDefault();
  const code = box.value.trim();
  box.value = "";
  if (code) scan(code);
});

// The scanner types wherever the focus is: keep it in the box, also after a tap.
box.addEventListener("blur", () => setTimeout(() => {
  if (!document.activeElement || document.activeElement === document.body) box.focus();
}, 0));
document.addEventListener("click", (event) => {
  if (!event.target.closest("a, select, textarea")) box.focus();
});
box.focus();

const short = document.getElementById("report-short");
if (short) {
  short.addEventListener("click", () => {
    if (!window.confirm(short.dataset.confirm)) { box.focus(); return; }
    busy = busy.then(async () => {
      try { answered(await send(screen.dataset.shortUrl, {})); }
      catch (failed) { show(false, screen.dataset.failed); }
      box.focus();
    });
  });
}
