// The what-if form: composes changes, posts them to the API with the session's CSRF token, shows
// progress while the server re-plans, and then the baseline and the scenario side by side.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const changes = [];
  const kind = $("w-kind");

  function csrf() {
    const m = document.cookie.match(/(?:^|;\s*)aidcoord_csrf=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function pct(x) { return (x * 100).toFixed(1) + "%"; }
  function showFields() {
    for (const label of document.querySelectorAll("#change-form label[data-for]")) {
      label.hidden = !label.dataset.for.split(" ").includes(kind.value);
    }
  }
  function describe(c) {
    switch (c.kind) {
      case "withdraw": return `${c.nation_id} withdraws from week ${c.from_week}`;
      case "cut": return `${c.nation_id} cuts its offers by ${Math.round(c.share * 100)}%`;
      case "delay": return `${c.nation_id}'s offers arrive ${c.weeks} weeks later`;
      case "hub_cut": return `${c.hub_site_id} loses ${Math.round(c.share * 100)}% of its throughput from week ${c.from_week}`;
      default: return "announced offers are planned too";
    }
  }
  function render() {
    const list = $("changes");
    list.replaceChildren();
    changes.forEach(function (c, i) {
      const li = document.createElement("li");
      li.textContent = describe(c) + " ";
      const remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "remove";
      remove.addEventListener("click", function () { changes.splice(i, 1); render(); });
      li.appendChild(remove);
      list.appendChild(li);
    });
    $("run").disabled = changes.length === 0;
  }
  function row(cells, header) {
    const tr = document.createElement("tr");
    for (const text of cells) {
      const td = document.createElement(header ? "th" : "td");
      td.textContent = text;
      tr.appendChild(td);
    }
    return tr;
  }
  function groups(table, title, items) {
    table.replaceChildren(row([title, "Requirements", "Fulfilment before", "after", "On time before", "after"], true));
    for (const g of items) {
      table.appendChild(row([g.group, g.requirements, pct(g.fulfilment_before), pct(g.fulfilment_after),
        pct(g.on_time_before), pct(g.on_time_after)]));
    }
  }
  function show(result) {
    $("r-version").textContent = result.baseline_version;
    $("r-ful-before").textContent = pct(result.fulfilment_before);
    $("r-ful-after").textContent = pct(result.fulfilment_after);
    $("r-ot-before").textContent = pct(result.on_time_before);
    $("r-ot-after").textContent = pct(result.on_time_after);
    $("r-obj-before").textContent = result.objective_before.toFixed(1);
    $("r-obj-after").textContent = result.objective_after.toFixed(1);
    $("r-meta").textContent = `${result.changes.join("; ")} · solver ${result.solver_status} · ${result.seconds.toFixed(1)} s`;
    groups($("r-capability"), "Capability", result.by_capability);
    groups($("r-priority"), "Priority", result.by_priority);
    const unmet = $("r-unmet");
    unmet.replaceChildren(row(["Requirement", "Item", "Priority", "Units", "On time before", "after", "Reason"], true));
    for (const u of result.newly_unmet) {
      unmet.appendChild(row([u.requirement_id, u.item_id, u.priority, u.quantity, u.on_time_before,
        u.on_time_after, u.reason || ""]));
    }
    for (const id of ["result", "result-detail", "result-unmet"]) { $(id).hidden = false; }
  }

  kind.addEventListener("change", showFields);
  $("add-change").addEventListener("click", function () {
    const k = kind.value;
    const c = { kind: k };
    if (["withdraw", "cut", "delay"].includes(k)) { c.nation_id = $("w-nation").value; }
    if (k === "hub_cut") { c.hub_site_id = $("w-hub").value; }
    if (k === "cut" || k === "hub_cut") { c.share = Number($("w-share").value) / 100; }
    if (k === "delay") { c.weeks = Number($("w-weeks").value); }
    if (k === "withdraw" || k === "hub_cut") { c.from_week = Number($("w-from").value); }
    changes.push(c);
    render();
  });
  // The what-if runs as a job on the server: poll it, showing its progress, until it has ended.
  async function finished(url) {
    for (;;) {
      const response = await fetch(url, { credentials: "same-origin" });
      const job = await response.json();
      if (!response.ok) { throw new Error(job.detail || job.title || response.statusText); }
      if (job.status === "succeeded") { return job.result; }
      if (job.status === "failed") { throw new Error(job.error ? job.error.detail : job.message); }
      $("progress-text").textContent = `Re-planning… ${Math.round(job.progress * 100)}% ${job.message}`;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  $("run").addEventListener("click", async function () {
    $("run").disabled = true;
    $("whatif-error").hidden = true;
    $("progress").hidden = false;
    try {
      const response = await fetch("/api/v1/whatif", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
        body: JSON.stringify({ changes: changes }),
      });
      const body = await response.json();
      if (!response.ok) { throw new Error(body.detail || body.title || response.statusText); }
      show(await finished(response.headers.get("Location") || body.links.self));
    } catch (error) {
      $("whatif-error").textContent = "The what-if failed: " + error.message;
      $("whatif-error").hidden = false;
    } finally {
      $("progress").hidden = true;
      $("progress-text").textContent = "Re-planning…";
      $("run").disabled = changes.length === 0;
    }
  });
  showFields();
  render();
})();
