/* Live progress of ingest jobs: polls /api/jobs while any job is queued or running. */
(function () {
  "use strict";
  var table = document.getElementById("jobs");
  if (!table) return;
  var body = table.querySelector("tbody");

  function cell(row, text, cls) {
    var td = document.createElement("td");
    if (cls) td.className = cls;
    if (text !== undefined && text !== null) td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function render(jobs) {
    body.textContent = "";
    if (!jobs.length) {
      var r = document.createElement("tr");
      cell(r, "Nothing added since the server started.").colSpan = 5;
      body.appendChild(r);
      return;
    }
    jobs.forEach(function (j) {
      var r = document.createElement("tr");
      r.setAttribute("data-job", j.id);
      r.className = "job-" + j.status;
      cell(r, j.name);
      var st = cell(r);
      var badge = document.createElement("span");
      badge.className = "badge job " + j.status;
      badge.textContent = j.status + (j.status === "running" && j.elapsed !== null ? " " + j.elapsed + " s" : "");
      st.appendChild(badge);
      cell(r, j.done ? String(j.claims) + (j.accepted ? " (" + j.accepted + " accepted)" : "") : "", "num");
      var d = cell(r);
      if (j.error) {
        var e = document.createElement("span");
        e.className = "error";
        e.textContent = j.error;
        d.appendChild(e);
      } else if (j.document_id) {
        var a = document.createElement("a");
        a.href = "/documents/" + j.document_id;
        a.textContent = "document " + j.document_id.slice(0, 12);
        d.appendChild(a);
        if (j.claims) {
          d.appendChild(document.createTextNode(" · "));
          var rv = document.createElement("a");
          rv.href = "/review?document=" + j.document_id;
          rv.textContent = "review its claims";
          d.appendChild(rv);
        }
      }
      (j.warnings || []).forEach(function (w) {
        var div = document.createElement("div");
        div.className = "warn";
        div.textContent = w;
        d.appendChild(div);
      });
      cell(r, new Date(j.created * 1000).toLocaleTimeString());
      body.appendChild(r);
    });
  }

  function poll() {
    fetch("/api/jobs", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      render(data.jobs);
      if (data.pending) setTimeout(poll, 1000);
    }).catch(function () { setTimeout(poll, 3000); });
  }
  if (table.getAttribute("data-poll") === "yes") poll();
})();
