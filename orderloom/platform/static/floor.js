// The scan screens of the warehouse floor. A keyboard-wedge scanner types the code and
// Enter into the scan box; each scan goes to the server at once, and its verdict shows
// in colour with a short beep (high: accepted, low and long: refused). The box keeps
// the focus, so the next scan lands there whatever was tapped. A phone's camera scans
// too (ZXing, vendored): each code it reads goes the same way as a scanner's. Texts
// come translated with the page, in data- attributes or in the server's answer.

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
  if (!response.ok) {
    // The server refused (a 403, a 404, a 422 with its reason in the reader's language):
    // its words are shown. Only a request that got no answer is a lost connection. The
    // pages' routes answer with the error page, the API's with a problem document.
    const refused = new Error(String(response.status));
    try {
      const text = await response.text();
      if ((response.headers.get("Content-Type") || "").includes("json")) {
        const problem = JSON.parse(text);
        refused.detail = (problem.errors && problem.errors[0] && problem.errors[0].detail)
          || problem.detail;
      } else {
        const page = new DOMParser().parseFromString(text, "text/html");
        const detail = page.getElementById("error-detail");
        refused.detail = detail && detail.textContent.trim();
      }
    } catch (unreadable) { /* said as a failure to send */ }
    throw refused;
  }
  return response.json();
}

// What a failed send is said as: the server's reason, else the connection's message.
function failure(failed) {
  return (failed && failed.detail) || screen.dataset.failed;
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
    if (["shipped", "shipped_part", "packed_in_full"].includes(answer.done)) {
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
  screen.dispatchEvent(new CustomEvent("answered", { detail: answer }));
}

let busy = Promise.resolve();

function scan(code) {
  // Scans are sent one after the other, in the order they were made.
  busy = busy.then(async () => {
    try {
      const body = screen.dataset.step === "pack" ? { code, order: bench } : { code };
      answered(await send(screen.dataset.scanUrl, body));
    } catch (failed) {
      show(false, failure(failed));
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
  if (!event.target.closest("a, select, textarea, [data-keeps-focus]")) box.focus();
});
box.focus();

const short = document.getElementById("report-short");
if (short) {
  short.addEventListener("click", () => {
    if (!window.confirm(short.dataset.confirm)) { box.focus(); return; }
    busy = busy.then(async () => {
      try { answered(await send(screen.dataset.shortUrl, {})); }
      catch (failed) { show(false, failure(failed)); }
      box.focus();
    });
  });
}

// The packing bench's weighing and label printing (floor-bench.js) go through here too.
window.floorScreen = {
  send, answered, show, failure,
  bench: () => bench,
  after: (work) => { busy = busy.then(work); return busy; },
  focus: () => box.focus(),
};
// --- the camera ---------------------------------------------------------------------------

const cameraButton = document.getElementById("camera");
const view = document.getElementById("camera-view");
const FORMATS = ["CODE_128", "EAN_13", "EAN_8", "UPC_A", "UPC_E", "CODE_39", "QR_CODE"];
let reader = null;
// The decoder tries a frame every DECODE_EVERY ms; a code counts as gone once that many
// tries in a row read nothing (about 0.4 s out of view), not on one miss of a code
// still in view.
const DECODE_EVERY = 100;
const GONE_AFTER = 4;
let inView = null;
let misses = 0;

function seenByCamera(code) {
  // The camera reads the code in view several times a second: one showing is one scan.
  // The same code counts again only once it was out of view (the next unit).
  if (code === null) {
    misses += 1;
    if (misses >= GONE_AFTER) inView = null;
    return;
  }
  misses = 0;
  if (code === inView) return;
  inView = code;
  scan(code);
}

function cameraOn(on) {
  cameraButton.setAttribute("aria-pressed", String(on));
  cameraButton.textContent = on ? cameraButton.dataset.stop : cameraButton.dataset.start;
  view.hidden = !on;
}

function stopCamera() {
  if (reader) reader.reset();
  reader = null;
  inView = null;
  misses = 0;
  cameraOn(false);
}

async function startCamera() {
  const hints = new Map();
  hints.set(ZXing.DecodeHintType.POSSIBLE_FORMATS,
            FORMATS.map((name) => ZXing.BarcodeFormat[name]));
  reader = new ZXing.BrowserMultiFormatReader(hints, DECODE_EVERY);
  reader.timeBetweenDecodingAttempts = DECODE_EVERY;
  cameraOn(true);
  await reader.decodeFromConstraints({ video: { facingMode: "environment" } }, view,
    (result) => seenByCamera(result ? result.getText() : null));
  screen.dataset.camera = "on";
}

if (cameraButton) {
  cameraButton.addEventListener("click", async () => {
    if (reader) { stopCamera(); screen.dataset.camera = "off"; return; }
    try {
      if (!window.ZXing || !navigator.mediaDevices) throw new Error("no camera");
      await startCamera();
    } catch (failed) {
      stopCamera();
      show(false, cameraButton.dataset.unavailable);
    }
    box.focus();
  });
  window.addEventListener("pagehide", stopCamera);
}
