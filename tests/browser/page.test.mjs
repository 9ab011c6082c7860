// Drives the skillmatch web page in Debian's chromium through playwright-core:
// pastes a posting, checks that every highlighted span is one of the API's
// evidence spans (same code-point offsets, same text) and that every API span
// is shown, that occupations and credentials with quality markers render,
// then adds a candidate from a CV file and checks the gap and plan against the API.
// Env: SKILLMATCH_URL (http://host:port), SKILLMATCH_KEY (an API key),
// SCREENSHOT_DIR (where page.png, or on failure failure.png, goes), CHROMIUM (the binary).
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const base = process.env.SKILLMATCH_URL;
const key = process.env.SKILLMATCH_KEY || "";
const screenshots = process.env.SCREENSHOT_DIR || "target/browser-test";
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
assert.ok(base, "SKILLMATCH_URL is required");

// Non-ASCII before the skills (an accent, a dash and an emoji outside the
// BMP) so code-point and UTF-16 offsets differ.
const POSTING = [
  "Data analyst — Café Analytics 📊",
  "",
  "You will write SQL queries, build dashboards and automate reports in Python.",
  "Experience with machine learning and data visualisation is a plus; good communication skills.",
].join("\n");
const CV = "Analyst with five years of SQL and Excel reporting. Built dashboards for the finance team.";

async function api(method, request) {
  const response = await fetch(`${base}/skillmatch.v1.${method}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify(request),
  });
  const body = await response.json();
  assert.equal(response.status, 200, `${method}: ${JSON.stringify(body)}`);
  return body;
}

const userDataDir = mkdtempSync(join(tmpdir(), "skillmatch-chromium-"));
// playwright passes `--user-data-dir` itself for a persistent context.
const browser = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  viewport: { width: 1280, height: 1800 },
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
  ],
});
const page = await browser.newPage();
const external = [];
page.on("request", (request) => {
  if (!request.url().startsWith(base)) external.push(request.url());
});
const pageErrors = [];
page.on("pageerror", (error) => pageErrors.push(error.message));

let failed = false;
try {
  await page.goto(`${base}/`);
  await page.fill("#api-key", key);
  await page.fill("#posting", POSTING);
  await page.click("#analyse");
  await page.waitForFunction(
    () => document.body.dataset.analysed === "true" || document.querySelector("#posting-status.error"),
    null, { timeout: 60_000 });
  const postingError = await page.textContent("#posting-status");
  assert.equal(postingError, "", `the page reported: ${postingError}`);

  // Highlights against the API's evidence offsets (code points).
  const extracted = await api("TaxonomyService/ExtractCompetencies", { text: POSTING, topK: 50 });
  const chars = Array.from(POSTING);
  const apiSpans = [];
  for (const found of extracted.competencies || []) {
    for (const e of found.evidence || []) {
      apiSpans.push({ uri: found.competency.uri, start: e.start || 0, end: e.end, text: e.text,
        label: found.competency.preferredLabel });
    }
  }
  assert.ok(apiSpans.length >= 3, `the API found evidence: ${JSON.stringify(apiSpans)}`);
  const marks = await page.$$eval("mark.evidence", (nodes) => nodes.map((n) => ({
    uri: n.dataset.uri, start: Number(n.dataset.start), end: Number(n.dataset.end),
    text: n.textContent, title: n.title,
  })));
  assert.ok(marks.length > 0, "spans are highlighted");
  for (const mark of marks) {
    const match = apiSpans.find((s) => s.uri === mark.uri && s.start === mark.start && s.end === mark.end);
    assert.ok(match, `highlight ${JSON.stringify(mark)} is an API evidence span`);
    assert.equal(mark.text, chars.slice(mark.start, mark.end).join(""), "highlight text at its offsets");
    assert.equal(mark.text, match.text, "highlight text is the API's evidence text");
    assert.ok(mark.title.includes(match.label), `the hover names ${match.label}`);
  }
  for (const span of apiSpans) {
    const shown = marks.some((m) => m.uri === span.uri && m.start === span.start && m.end === span.end);
    const covered = marks.some((m) => m.start < span.end && span.start < m.end && m.title.includes(span.label));
    assert.ok(shown || covered, `API span ${JSON.stringify(span)} is highlighted or named on the mark over it`);
  }
  assert.equal(await page.textContent("#highlighted"), POSTING, "the posting is shown whole");
  assert.equal(extracted.readAs, "TEXT_KIND_POSTING", "a title line and a body");
  assert.match(await page.textContent("#read-as"), /^Read as a posting/, "how the text was read");

  // Occupations and credentials.
  await page.waitForSelector("#occupations li");
  const matched = await api("MatchService/MatchCredentials", {
    job: { title: "Data analyst — Café Analytics 📊", description: POSTING }, explain: true, pageSize: 10,
  });
  const shownIds = await page.$$eval("#credentials > li", (nodes) => nodes.map((n) => n.dataset.id));
  assert.deepEqual(shownIds, (matched.matches || []).map((m) => m.credential.id), "credentials in API order");
  assert.ok(shownIds.length > 0, "credentials are recommended");
  const firstMarkers = await page.$$eval("#credentials > li:first-child .markers li", (n) => n.map((x) => x.textContent));
  assert.ok(firstMarkers.some((m) => /assessed/.test(m)), `quality markers shown: ${firstMarkers}`);
  assert.ok(await page.$("#credentials > li:first-child .covered li"), "per-competency explanation shown");

  // A candidate from a CV, then the gap and the plan within a budget.
  await page.click("#candidate-section summary");
  await page.fill("#candidate-id", "ada");
  await page.fill("#candidate-name", "Ada");
  // The CV as a file: read on the server, its text shown back.
  await page.setInputFiles("#candidate-file", { name: "ada-cv.txt", mimeType: "text/plain", buffer: Buffer.from(CV) });
  await page.click("#candidate-form button");
  await page.waitForFunction((cv) => document.querySelector("#candidate-cv").value === cv, CV, { timeout: 30_000 });
  await page.waitForSelector("#candidate-select option[value=ada]", { state: "attached", timeout: 30_000 });
  await page.selectOption("#candidate-select", "ada");
  await page.fill("#budget", "500");
  await page.click("#plan");
  await page.waitForFunction(
    () => document.body.dataset.planned === "true" || document.querySelector("#plan-status.error"),
    null, { timeout: 60_000 });
  const planError = await page.textContent("#plan-status");
  assert.equal(planError, "", `the page reported: ${planError}`);
  const plan = await api("MatchService/PlanUpskilling", {
    job: { title: "Data analyst — Café Analytics 📊", description: POSTING },
    candidateId: "ada",
    constraints: { maxTotalCost: { amount: 500, currency: "EUR" } },
  });
  for (const kind of ["matched", "partial", "missing"]) {
    const shown = await page.$$eval(`[data-gap=${kind}] li`, (n) => n.length);
    assert.equal(shown, (plan.gap[kind] || []).length, `${kind} competencies`);
  }
  const rows = await page.$$eval("#plan-table tbody tr", (n) => n.length);
  assert.equal(rows, (plan.credentials || []).length, "planned credentials");
  assert.ok(((plan.gap.matched || []).length) > 0, "the CV evidences some of the posting");

  assert.deepEqual(external, [], "nothing is fetched from elsewhere");
  assert.deepEqual(pageErrors, [], "no script errors");
  mkdirSync(screenshots, { recursive: true });
  await page.hover("mark.evidence");
  await page.screenshot({ path: join(screenshots, "page.png"), fullPage: true });
  console.log(`ok: ${marks.length} highlights of ${apiSpans.length} API spans, ` +
    `${shownIds.length} credentials, plan of ${rows} credentials`);
} catch (error) {
  failed = true;
  mkdirSync(screenshots, { recursive: true });
  const path = join(screenshots, "failure.png");
  await page.screenshot({ path, fullPage: true }).catch(() => {});
  console.error(error);
  console.error(`screenshot: ${path}`);
} finally {
  await browser.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
