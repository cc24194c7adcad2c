// The search page: queries this site's Pagefind index (pagefind/pagefind.js, same origin, no
// external requests). Everything from the index is inserted as text (textContent), so a title
// or excerpt taken from an article can never become markup.
const form = document.querySelector(".search-form");
const input = document.getElementById("search-input");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const root = new URL(form.dataset.root.replace(/\/?$/, "/"), location.href);
const SHOWN = 20;
const KANA = /[\u3040-\u30ff\u31f0-\u31ff]/;
const HAN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;
let pagefind = null;
let latest = 0;
let timer = 0;

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

// "2026-04-13" → "13 Apr 2026", as the rest of the site writes dates.
function readableDate(iso) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return match ? `${Number(match[3])} ${MONTHS[Number(match[2]) - 1]} ${match[1]}` : iso;
}

function textLanguage(text) {
  if (KANA.test(text)) return "ja";
  if (HAN.test(text)) return "zh";
  return null;
}

// The index splits Chinese and Japanese text into words; split the query the same way.
function segment(query) {
  const language = textLanguage(query);
  if (!language || typeof Intl.Segmenter === "undefined") return query;
  const words = new Intl.Segmenter(language, { granularity: "word" }).segment(query);
  return Array.from(words, (part) => part.segment).join(" ").replace(/\s+/g, " ").trim();
}

async function engine() {
  if (pagefind === null) {
    pagefind = await import(new URL("pagefind/pagefind.js", root).href);
    await pagefind.options({ excerptLength: 30 });
    await pagefind.init();
  }
  return pagefind;
}

// Pagefind's excerpt is escaped text with <mark> around the matches: keep the marks, as text.
function excerpt(html) {
  const parsed = new DOMParser().parseFromString(html, "text/html");
  const fragment = document.createDocumentFragment();
  for (const node of parsed.body.childNodes) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      fragment.append(mark);
    } else {
      fragment.append(document.createTextNode(node.textContent));
    }
  }
  return fragment;
}

function sameSite(path) {
  const url = new URL(String(path).replace(/^\/+/, ""), root);
  return url.origin === root.origin && url.href.startsWith(root.href) ? url.href : null;
}

function result(data) {
  const href = sameSite(data.url);
  if (href === null) return null;
  const item = document.createElement("li");
  item.className = "search-result";
  const title = data.meta.title || data.url;
  const heading = document.createElement("h2");
  heading.className = "card-title";
  const link = document.createElement("a");
  link.href = href;
  link.textContent = title;
  const language = data.meta.lang || textLanguage(title);
  if (language && language !== document.documentElement.lang) item.lang = language;
  heading.append(link);
  item.append(heading);
  if (data.meta.date) {
    const meta = document.createElement("p");
    meta.className = "meta";
    const time = document.createElement("time");
    time.dateTime = data.meta.date;
    time.textContent = readableDate(data.meta.date);
    meta.append(time);
    item.append(meta);
  }
  const text = document.createElement("p");
  text.className = "summary";
  text.append(excerpt(data.excerpt || ""));
  item.append(text);
  return item;
}

// The query as typed, then split into words as the browser splits them: the browser's
// dictionary may cut a Chinese name (华为 into 华 为) where the index did not.
async function search(engine, query) {
  const found = await engine.search(query);
  const split = segment(query);
  if (found === null || split === query) return found && found.results;
  const more = await engine.search(split);
  if (more === null) return null;
  const seen = new Set(found.results.map((hit) => hit.id));
  return [...found.results, ...more.results.filter((hit) => !seen.has(hit.id))];
}

async function run(query) {
  const id = ++latest;
  query = query.trim();
  if (!query) {
    list.replaceChildren();
    status.textContent = "";
    return;
  }
  status.textContent = "Searching…";
  let hits;
  try {
    hits = await search(await engine(), query);
  } catch (error) {
    if (id === latest) status.textContent = "Search is not available on this copy of the site.";
    return;
  }
  if (id !== latest || hits === null) return; // a newer query has started
  const data = await Promise.all(hits.slice(0, SHOWN).map((hit) => hit.data()));
  if (id !== latest) return;
  list.replaceChildren(...data.map(result).filter((item) => item !== null));
  const count = hits.length;
  if (count === 0) {
    status.textContent = `No briefs match “${query}”.`;
  } else {
    const shown = count > SHOWN ? `; the first ${SHOWN} are shown` : "";
    status.textContent = `${count} ${count === 1 ? "brief matches" : "briefs match"} “${query}”${shown}.`;
  }
}

function remember(query) {
  const url = new URL(location.href);
  if (query) url.searchParams.set("q", query);
  else url.searchParams.delete("q");
  history.replaceState(null, "", url);
}

input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(() => {
    remember(input.value.trim());
    run(input.value);
  }, 200);
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(timer);
  remember(input.value.trim());
  run(input.value);
});

const initial = new URLSearchParams(location.search).get("q");
if (initial) {
  input.value = initial;
  run(initial);
}
