// The skillmatch page: calls the HTTP/JSON API (Connect-style unary JSON on
// the same origin) and renders its answers. No dependencies; nothing is
// fetched but the API.
"use strict";

const $ = (id) => document.getElementById(id);

/** An element with attributes (`class`, `title`, `data-*`, ...) and children (nodes or text). */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** An error answer of the API: its code, message and field violations. */
class ApiError extends Error {
  constructor(method, body, status) {
    const violations = [];
    for (const detail of (body && body.details) || []) {
      for (const v of (detail.debug && detail.debug.fieldViolations) || []) {
        violations.push(`${v.field}: ${v.description}`);
      }
    }
    const code = (body && body.code) || `HTTP ${status}`;
    const message = (body && body.message) || "";
    super(`${method}: ${code}${message ? " - " + message : ""}` +
      (violations.length ? "\n" + violations.join("\n") : ""));
    this.code = code;
    this.violations = violations;
  }
}

/** Calls `Service/Method` with a request message; resolves to the response message. */
async function rpc(method, request) {
  const headers = { "content-type": "application/json" };
  const key = $("api-key").value.trim();
  if (key) headers.authorization = `Bearer ${key}`;
  const response = await fetch(`/skillmatch.v1.${method}`, {
    method: "POST",
    headers,
    body: JSON.stringify(request),
  });
  let body = null;
  try {
    body = await response.json();
  } catch (_) {
    body = null;
  }
  if (!response.ok) throw new ApiError(method, body, response.status);
  return body || {};
}

const REASONS = {
  EXTRACTION_REASON_PREFERRED_LABEL: "its preferred label is in the text",
  EXTRACTION_REASON_ALT_LABEL: "an alternative label is in the text",
  EXTRACTION_REASON_HIDDEN_LABEL: "a hidden label (a common variant) is in the text",
  EXTRACTION_REASON_SEMANTIC: "the text is about it (closest sentence by meaning)",
  EXTRACTION_REASON_OCCUPATION: "an essential competency of an occupation the text is about",
  EXTRACTION_REASON_BROADER: "a broader competency of one named in the text",
  EXTRACTION_REASON_NARROWER: "a narrower competency of one named in the text",
  EXTRACTION_REASON_RELATED: "related to a competency named in the text",
};
const reasonText = (reason) => REASONS[reason] || "found in the text";
const READINGS = {
  TEXT_KIND_POSTING: "Read as a posting: a title line and a body.",
  TEXT_KIND_JOB_TITLE: "Read as a job title: its occupations lend every competency they need.",
  TEXT_KIND_SENTENCE: "Read as a sentence: only what its words name, and its occupations as far as it names them whole.",
};
const score = (value) => (value || 0).toFixed(2);
const label = (ref) => (ref && (ref.preferredLabel || ref.uri)) || "?";
const words = (name, prefix) =>
  (name || "").replace(prefix, "").toLowerCase().replace(/_/g, " ");

/** The job the other calls send for a pasted posting: its first line is the title. */
function jobOf(text) {
  const firstLine = text.split("\n").map((line) => line.trim()).find((line) => line) || "";
  return { title: firstLine.slice(0, 200), description: text };
}

/**
 * The posting with each evidence span in a <mark>. Offsets are in Unicode
 * code points, as the API gives them. Spans are taken by start (longest
 * first); a span overlapping one already marked is named in that mark's title.
 */
function renderHighlights(text, competencies) {
  const chars = Array.from(text);
  const spans = [];
  for (const found of competencies) {
    for (const evidence of found.evidence || []) {
      const start = evidence.start || 0;
      const end = evidence.end || 0;
      if (end > start && end <= chars.length) spans.push({ start, end, found, also: [] });
    }
  }
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept = [];
  for (const span of spans) {
    const last = kept[kept.length - 1];
    if (last && span.start < last.end) last.also.push(span);
    else kept.push(span);
  }
  const container = $("highlighted");
  container.replaceChildren();
  let at = 0;
  for (const span of kept) {
    if (span.start > at) container.append(chars.slice(at, span.start).join(""));
    const lines = [span.found, ...span.also.map((s) => s.found)].map(
      (f) => `${label(f.competency)} (${score(f.score)}): ${reasonText(f.reason)}`,
    );
    container.append(el("mark", {
      class: "evidence",
      title: lines.join("\n"),
      "data-start": span.start,
      "data-end": span.end,
      "data-uri": span.found.competency.uri,
    }, chars.slice(span.start, span.end).join("")));
    at = span.end;
  }
  if (at < chars.length) container.append(chars.slice(at).join(""));
}

function renderCompetencies(competencies) {
  const list = $("competencies");
  list.replaceChildren();
  if (!competencies.length) list.append(el("li", {}, "No competencies found."));
  for (const found of competencies) {
    const item = el("li", { "data-uri": found.competency.uri },
      el("strong", {}, label(found.competency)), " ",
      el("span", { class: "score" }, score(found.score)), " ",
      el("span", { class: "reason" }, reasonText(found.reason)),
      (found.evidence || []).length
        ? el("span", { class: "reason" }, ` - "${found.evidence.map((e) => e.text).join('", "')}"`)
        : null);
    item.addEventListener("click", () => {
      for (const mark of document.querySelectorAll("mark.evidence")) {
        mark.classList.toggle("flash", mark.dataset.uri === found.competency.uri);
      }
    });
    list.append(item);
  }
}

function renderOccupations(occupations) {
  const list = $("occupations");
  list.replaceChildren();
  if (!occupations.length) {
    list.append(el("li", {}, "No occupation inferred (the loaded taxonomies may hold none)."));
  }
  for (const found of occupations) {
    const occupation = found.occupation || {};
    list.append(el("li", {},
      el("strong", {}, occupation.preferredLabel || occupation.uri), " ",
      el("span", { class: "score" }, score(found.score)), " ",
      occupation.code ? el("span", { class: "reason" }, occupation.code) : null,
      (found.evidence || []).length
        ? el("span", { class: "reason" }, ` - "${found.evidence.map((e) => e.text).join('", "')}"`)
        : null));
  }
}

/** The quality markers of a credential, as short badges. */
function markers(credential) {
  const badges = [];
  if (credential.provider) badges.push(credential.provider);
  if (credential.hours) badges.push(`${credential.hours} h`);
  if (credential.cost && credential.cost.amount !== undefined) {
    badges.push(`${credential.cost.amount} ${credential.cost.currency || ""}`.trim());
  } else if (credential.cost) badges.push("free");
  if (credential.deliveryMode) badges.push(words(credential.deliveryMode, "DELIVERY_MODE_"));
  if (credential.language) badges.push(credential.language);
  badges.push(credential.assessed ? "assessed" : "not assessed");
  for (const body of credential.accreditedBy || []) badges.push(`accredited: ${body}`);
  if (credential.eqfLevel) badges.push(`EQF ${credential.eqfLevel}`);
  if (credential.credits && credential.credits.value) {
    badges.push(`${credential.credits.value} ${credential.credits.system || "credits"}`);
  }
  if (credential.validityMonths) badges.push(`valid ${credential.validityMonths} months`);
  return el("ul", { class: "markers" }, badges.map((badge) => el("li", {}, badge)));
}

function renderCredentials(matches) {
  const list = $("credentials");
  list.replaceChildren();
  if (!matches.length) list.append(el("li", {}, "No credential teaches what this posting needs."));
  for (const match of matches) {
    const credential = match.credential || {};
    const explanation = match.explanation || {};
    const covered = (explanation.covered || []).map((c) => el("li", {},
      el("strong", {}, label(c.jobCompetency)),
      c.kind && c.kind !== "COVERAGE_KIND_EXACT"
        ? ` via ${label(c.taughtCompetency)} (${words(c.kind, "COVERAGE_KIND_")})`
        : " (taught exactly)",
      c.assessed ? ", assessed" : "",
      el("span", { class: "score" }, ` +${score(c.contribution)}`)));
    const notCovered = (explanation.notCovered || []).map(label);
    list.append(el("li", { "data-id": credential.id },
      el("strong", {}, credential.title || credential.id), " ",
      el("span", { class: "score" }, score(match.score)),
      markers(credential),
      explanation.summary ? el("div", { class: "reason" }, explanation.summary) : null,
      covered.length ? el("ul", { class: "covered" }, covered) : null,
      notCovered.length
        ? el("div", { class: "not-covered" }, `Not taught: ${notCovered.join(", ")}`)
        : null));
  }
}

async function loadCandidates(selected) {
  const select = $("candidate-select");
  const answer = await rpc("CandidateService/ListCandidates", { pageSize: 100 });
  select.replaceChildren();
  const candidates = answer.candidates || [];
  if (!candidates.length) select.append(el("option", { value: "" }, "no candidates yet: add one"));
  for (const candidate of candidates) {
    select.append(el("option", { value: candidate.id },
      candidate.displayName ? `${candidate.displayName} (${candidate.id})` : candidate.id));
  }
  if (selected) select.value = selected;
}

function gapColumn(title, items, kind) {
  return el("div", { "data-gap": kind },
    el("h3", {}, `${title} (${items.length})`),
    el("ul", {}, items.map((item) => el("li", {},
      label(item.competency),
      item.heldCompetency && item.relation && item.relation !== "HELD_RELATION_EXACT"
        ? el("span", { class: "reason" },
          ` - holds ${label(item.heldCompetency)} (${words(item.relation, "HELD_RELATION_")})`)
        : null,
      item.heldEvidence ? el("span", { class: "reason" }, ` - ${item.heldEvidence}`) : null))));
}

function renderPlan(plan) {
  const gap = plan.gap || {};
  $("gap").replaceChildren(
    gapColumn("Met", gap.matched || [], "matched"),
    gapColumn("Partly met", gap.partial || [], "partial"),
    gapColumn("Missing", gap.missing || [], "missing"));
  const rows = (plan.credentials || []).map((planned, i) => el("tr", {},
    el("td", {}, i + 1),
    el("td", {}, planned.credential.title || planned.credential.id,
      planned.addedAsPrerequisite
        ? el("div", { class: "reason" }, `prerequisite of ${(planned.requiredBy || []).join(", ")}`)
        : null),
    el("td", {}, (planned.covers || []).map(label).join(", ")),
    el("td", {}, planned.cost ? `${planned.cost.amount || 0} ${planned.cost.currency || ""}` : ""),
    el("td", {}, planned.hours || 0)));
  const total = plan.totalCost || {};
  $("plan-result").replaceChildren(
    el("h3", {}, "Upskilling plan"),
    rows.length
      ? el("table", { id: "plan-table" },
        el("thead", {}, el("tr", {}, ["#", "Credential", "Closes", "Cost", "Hours"].map((h) => el("th", {}, h)))),
        el("tbody", {}, rows))
      : el("p", {}, "No credential to take."),
    el("p", {}, `Total: ${total.amount || 0} ${total.currency || ""}, ${plan.totalHours || 0} h. `,
      plan.optimal ? "Proven optimal. " : "", plan.note || ""),
    (plan.uncovered || []).length
      ? el("div", {}, el("h3", {}, "Not covered"),
        el("ul", {}, plan.uncovered.map((u) => el("li", {},
          label(u.competency), el("span", { class: "reason" }, ` - ${words(u.reason, "UNCOVERED_REASON_")}`)))))
      : null);
}

/** Runs `work` with the form's button disabled, showing errors in `status`. */
async function busy(form, status, work) {
  const button = form.querySelector("button");
  button.disabled = true;
  status.classList.remove("error");
  status.textContent = "working...";
  try {
    await work();
    status.textContent = "";
  } catch (error) {
    status.classList.add("error");
    status.textContent = error.message;
  } finally {
    button.disabled = false;
  }
}

const MEDIA_TYPES = {
  pdf: "application/pdf",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  txt: "text/plain",
};

/** A file's media type, from the browser or else its extension. */
function mediaTypeOf(file) {
  if (file.type) return file.type;
  return MEDIA_TYPES[(file.name.split(".").pop() || "").toLowerCase()] || "application/octet-stream";
}

/** A file's bytes in base64, as proto3 JSON writes `bytes`. */
async function base64(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

let lastText = "";

$("posting-form").addEventListener("submit", (event) => {
  event.preventDefault();
  busy($("posting-form"), $("posting-status"), async () => {
    const text = $("posting").value;
    const [extracted, inferred, matched] = await Promise.all([
      rpc("TaxonomyService/ExtractCompetencies", { text, topK: 50 }),
      rpc("TaxonomyService/InferOccupations", { text, topK: 5 }),
      rpc("MatchService/MatchCredentials", { job: jobOf(text), explain: true, pageSize: 10 }),
    ]);
    lastText = text;
    const competencies = extracted.competencies || [];
    renderHighlights(text, competencies);
    $("read-as").textContent = READINGS[extracted.readAs] || "";
    renderCompetencies(competencies);
    renderOccupations(inferred.occupations || []);
    renderCredentials(matched.matches || []);
    $("results").hidden = false;
    $("gap").replaceChildren();
    $("plan-result").replaceChildren();
    await loadCandidates($("candidate-select").value);
    document.body.dataset.analysed = "true";
  });
});

$("candidate-form").addEventListener("submit", (event) => {
  event.preventDefault();
  busy($("candidate-form"), $("candidate-status"), async () => {
    const id = $("candidate-id").value.trim();
    const request = { candidate: { id, displayName: $("candidate-name").value.trim() } };
    const file = $("candidate-file").files[0];
    if (file) {
      request.cvDocument = { content: await base64(file), mediaType: mediaTypeOf(file) };
    } else {
      request.candidate.cvText = $("candidate-cv").value;
    }
    const answer = await rpc("CandidateService/UpsertCandidate", request);
    if (file) $("candidate-cv").value = (answer.candidate && answer.candidate.cvText) || "";
    await loadCandidates(id);
  });
});

$("plan-form").addEventListener("submit", (event) => {
  event.preventDefault();
  busy($("plan-form"), $("plan-status"), async () => {
    const constraints = {};
    const budget = $("budget").value;
    if (budget !== "") {
      constraints.maxTotalCost = { amount: Number(budget), currency: $("currency").value.trim().toUpperCase() };
    }
    const hours = $("max-hours").value;
    if (hours !== "") constraints.maxTotalHours = Number(hours);
    const plan = await rpc("MatchService/PlanUpskilling", {
      job: jobOf(lastText),
      candidateId: $("candidate-select").value,
      constraints,
    });
    renderPlan(plan);
    document.body.dataset.planned = "true";
  });
});
