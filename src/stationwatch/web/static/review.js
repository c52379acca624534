/* Review queue: decide without leaving the page, and by keyboard.
   j / k: next / previous candidate · a: accept · r: reject · e: edit · o: open in source · u: undo.
   Decisions are POSTs to the JSON API; the figures at the top update from its answer.
   Without JavaScript the same buttons are plain form posts. */
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll("article.candidate"));
  if (!items.length) return;
  var current = 0;
  var undo = [];

  function select(i, scroll) {
    if (i < 0 || i >= items.length) return;
    items.forEach(function (el) { el.classList.remove("selected"); });
    current = i;
    items[i].classList.add("selected");
    items[i].focus({ preventScroll: true });
    if (scroll !== false) items[i].scrollIntoView({ block: "nearest" });
  }

  function nextOpen(from) {
    for (var i = from + 1; i < items.length; i++) if (!items[i].classList.contains("decided")) return i;
    return from;
  }

  function setText(id, value) {
    var el = document.getElementById(id);
    if (el && value !== undefined && value !== null) el.textContent = String(value);
  }

  function figures(f) {
    if (!f) return;
    setText("fig-documented", f.documented);
    setText("fig-countries", f.countries);
    setText("fig-candidates", f.candidates);
    setText("nav-candidates", f.candidates);
  }

  function post(url, payload) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRF-Token": (document.querySelector("meta[name=csrf-token]") || {}).content || "" },
      body: JSON.stringify(payload)
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) throw new Error(typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail));
        return data;
      });
    });
  }

  function outcome(item, text, cls) {
    var o = item.querySelector(".outcome");
    o.textContent = text;
    o.className = "outcome " + (cls || "");
  }

  function decide(item, decision) {
    if (item.classList.contains("busy")) return;
    var id = item.getAttribute("data-id");
    item.classList.add("busy");
    post("/api/claims/" + id + "/review", { decision: decision }).then(function (data) {
      item.classList.remove("busy");
      item.classList.remove("decided-accepted", "decided-rejected");
      var total = document.getElementById("queue-total");
      var wasDecided = item.classList.contains("decided");
      if (decision === "candidate") {
        item.classList.remove("decided");
        outcome(item, "back in the queue");
        if (total && wasDecided) total.textContent = String(Number(total.textContent) + 1);
      } else {
        if (total && !wasDecided) total.textContent = String(Math.max(0, Number(total.textContent) - 1));
        item.classList.add("decided", "decided-" + decision);
        outcome(item, decision === "accepted" ? "accepted" : "rejected", decision);
        undo.push(item);
        if (items[current] === item) select(nextOpen(current));
      }
      figures(data.figures);
    }).catch(function (e) {
      item.classList.remove("busy");
      outcome(item, "not saved: " + e.message, "error");
    });
  }

  function edit(item, form) {
    var id = item.getAttribute("data-id");
    var fields = {};
    new FormData(form).forEach(function (v, k) { if (k !== "next" && k !== "csrf") fields[k] = String(v); });
    item.classList.add("busy");
    post("/api/claims/" + id + "/edit", { fields: fields }).then(function (data) {
      item.classList.remove("busy");
      var total = document.getElementById("queue-total");
      if (total && !item.classList.contains("decided")) total.textContent = String(Math.max(0, Number(total.textContent) - 1));
      item.classList.add("decided", "decided-accepted");
      item.querySelector("details.edit").open = false;
      outcome(item, "corrected and accepted as #" + data.id.slice(0, 8), "accepted");
      figures(data.figures);
      if (items[current] === item) select(nextOpen(current));
    }).catch(function (e) {
      item.classList.remove("busy");
      outcome(item, "not saved: " + e.message, "error");
    });
  }

  items.forEach(function (item, i) {
    item.addEventListener("click", function (ev) {
      if (ev.target.closest("a, button, input, select, textarea, summary")) return;
      select(i, false);
    });
    item.querySelectorAll("form.decide").forEach(function (form) {
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        select(i, false);
        decide(item, form.querySelector("input[name=decision]").value);
      });
    });
    var ef = item.querySelector("form.edit-form");
    if (ef) ef.addEventListener("submit", function (ev) { ev.preventDefault(); edit(item, ef); });
  });

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var t = ev.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)) {
      if (ev.key === "Escape") { var d = t.closest("details"); if (d) { d.open = false; items[current].focus(); } }
      return;
    }
    var item = items[current];
    switch (ev.key) {
      case "j": select(Math.min(current + 1, items.length - 1)); break;
      case "k": select(Math.max(current - 1, 0)); break;
      case "a": decide(item, "accepted"); break;
      case "r": decide(item, "rejected"); break;
      case "e": {
        var det = item.querySelector("details.edit");
        det.open = true;
        var first = det.querySelector("input:not([type=hidden]), select");
        if (first) first.focus();
        break;
      }
      case "o": { var a = item.querySelector("a.open-source"); if (a) window.location.href = a.href; break; }
      case "u": { var last = undo.pop(); if (last) { select(items.indexOf(last)); decide(last, "candidate"); } break; }
      default: return;
    }
    ev.preventDefault();
  });
  select(0, false);
})();
