// drive.js: a headless Chromium (the system's) driven by Playwright, for
// tests/test_view.py. One JSON request per line on stdin, one JSON answer
// per line on stdout, so the Python test interleaves browser checks with
// what it types at the guest's console:
//   {"op": "open", "url": U, "width": W, "height": H, "timeout": MS}
//   {"op": "wait", "js": EXPR, "timeout": MS}  until EXPR is truthy: its value
//   {"op": "eval", "js": EXPR}                 EXPR's value
//   {"op": "shot", "path": FILE}               a PNG of the viewport
//   {"op": "quit"}
// Answers: {"ok": true, "value": ..., "ms": ...} or {"ok": false, "error": ...}.
// PLAYWRIGHT names the playwright-core folder (installed into build/browser),
// CHROMIUM the browser (default /usr/bin/chromium).
"use strict";

const readline = require("readline");
const { chromium } = require(process.env.PLAYWRIGHT || "playwright-core");

let browser = null;
let page = null;

function answer(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

async function handle(req) {
  const t0 = Date.now();
  switch (req.op) {
    case "open": {
      browser = await chromium.launch({
        executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
        headless: true,
        args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
      });
      page = await browser.newPage({ viewport: { width: req.width, height: req.height } });
      page.on("pageerror", (e) => process.stderr.write("page error: " + e + "\n"));
      await page.goto(req.url, { waitUntil: "domcontentloaded", timeout: req.timeout || 30000 });
      return { ok: true, ms: Date.now() - t0 };
    }
    case "wait": {
      const h = await page.waitForFunction(req.js, null,
        { timeout: req.timeout, polling: 50 });
      return { ok: true, value: await h.jsonValue(), ms: Date.now() - t0 };
    }
    case "eval":
      return { ok: true, value: await page.evaluate(req.js), ms: Date.now() - t0 };
    case "shot":
      await page.screenshot({ path: req.path });
      return { ok: true, ms: Date.now() - t0 };
    case "quit":
      if (browser) await browser.close();
      return { ok: true, quit: true };
    default:
      return { ok: false, error: "unknown op " + req.op };
  }
}

const rl = readline.createInterface({ input: process.stdin });
let chain = Promise.resolve();
rl.on("line", (line) => {
  chain = chain.then(async () => {
    let res;
    try {
      res = await handle(JSON.parse(line));
    } catch (e) {
      res = { ok: false, error: String(e && e.message ? e.message : e).split("\n")[0] };
    }
    answer(res);
    if (res.quit) process.exit(0);
  });
});
rl.on("close", () => {
  chain.then(async () => {
    if (browser) await browser.close();
    process.exit(0);
  });
});
