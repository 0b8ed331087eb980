// eventlint's interactive flow map: pan, zoom, search, filters, and the findings of a clicked node.
// Runs offline: everything it needs is in the page (the Graphviz SVG and the JSON in #flowmap-data).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("flowmap-data").textContent);
  var canvas = document.getElementById("fm-canvas");
  var svg = canvas.querySelector("svg");
  var panel = document.getElementById("fm-panel");
  var status = document.getElementById("fm-status");
  var search = document.getElementById("fm-search");
  var contextFilter = document.getElementById("fm-context");
  var ruleFilter = document.getElementById("fm-rule");
  var severityBoxes = Array.prototype.slice.call(document.querySelectorAll("#flowmap input[name=fm-severity]"));
  if (!svg) { return; }

  // --- the drawing: nodes and edges of the SVG, joined to the data by Graphviz's <title> ---
  var byMid = {};
  data.nodes.forEach(function (n) { byMid[n.mid] = n; });
  var nodeEls = {};
  Array.prototype.forEach.call(svg.querySelectorAll("g.node"), function (g) {
    var title = g.querySelector("title");
    var node = title && byMid[title.textContent];
    if (node) { nodeEls[node.mid] = g; g.setAttribute("data-node", node.mid); }
  });
  var edgeEls = [];
  Array.prototype.forEach.call(svg.querySelectorAll("g.edge"), function (g) {
    var title = g.querySelector("title");
    var ends = title ? title.textContent.split("->") : [];
    if (ends.length === 2) { edgeEls.push({el: g, source: ends[0], target: ends[1]}); }
  });
  var neighbours = {};
  data.edges.forEach(function (e) {
    (neighbours[e.source] = neighbours[e.source] || []).push(e.target);
    (neighbours[e.target] = neighbours[e.target] || []).push(e.source);
  });

  // --- pan and zoom: the viewBox moves, so nothing is ever cut off (Fit shows all) ---
  var home = svg.viewBox.baseVal;
  home = {x: home.x, y: home.y, w: home.width, h: home.height};
  var view = {x: home.x, y: home.y, w: home.w, h: home.h};
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
  function show() { svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" ")); }
  function fit() { view = {x: home.x, y: home.y, w: home.w, h: home.h}; show(); }
  function toGraph(clientX, clientY) {
    var p = svg.createSVGPoint();
    p.x = clientX; p.y = clientY;
    return p.matrixTransform(svg.getScreenCTM().inverse());
  }
  function zoom(factor, clientX, clientY) {
    var rect = svg.getBoundingClientRect();
    var at = toGraph(clientX === undefined ? rect.left + rect.width / 2 : clientX, clientY === undefined ? rect.top + rect.height / 2 : clientY);
    var w = Math.min(Math.max(view.w / factor, home.w / 40), home.w * 8);
    var scale = w / view.w;
    view = {x: at.x - (at.x - view.x) * scale, y: at.y - (at.y - view.y) * scale, w: w, h: view.h * scale};
    show();
  }
  function centre(mid) {
    var el = nodeEls[mid];
    if (!el) { return; }
    var box = el.getBBox();
    var ctm = el.getCTM && svg.getCTM ? svg.getCTM().inverse().multiply(el.getCTM()) : null;
    var cx = box.x + box.width / 2, cy = box.y + box.height / 2;
    if (ctm) { var p = svg.createSVGPoint(); p.x = cx; p.y = cy; p = p.matrixTransform(ctm); cx = p.x; cy = p.y; }
    view.x = cx - view.w / 2; view.y = cy - view.h / 2; show();
  }
  canvas.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    zoom(Math.pow(1.0015, -ev.deltaY), ev.clientX, ev.clientY);
  }, {passive: false});
  var drag = null;
  canvas.addEventListener("mousedown", function (ev) {
    if (ev.button !== 0 || (ev.target.closest && ev.target.closest("g.node"))) { return; }
    drag = {x: ev.clientX, y: ev.clientY, view: {x: view.x, y: view.y, w: view.w, h: view.h}, moved: false};
    canvas.classList.add("dragging");
  });
  window.addEventListener("mousemove", function (ev) {
    if (!drag) { return; }
    var rect = svg.getBoundingClientRect();
    var scale = Math.max(drag.view.w / rect.width, drag.view.h / rect.height);
    view.x = drag.view.x - (ev.clientX - drag.x) * scale;
    view.y = drag.view.y - (ev.clientY - drag.y) * scale;
    drag.moved = true;
    show();
  });
  window.addEventListener("mouseup", function () { drag = null; canvas.classList.remove("dragging"); });
  document.getElementById("fm-zoom-in").addEventListener("click", function () { zoom(1.25); });
  document.getElementById("fm-zoom-out").addEventListener("click", function () { zoom(0.8); });
  document.getElementById("fm-fit").addEventListener("click", fit);

  // --- filters and search: what does not match is dimmed, the count says how many remain ---
  function matches(node) {
    var ctx = contextFilter ? contextFilter.value : "";
    if (ctx) {
      var inside = function (n) { return n && (n.context === ctx || (n.kind === "context" && n.name === ctx)); };
      if (!inside(node) && !(node.kind === "event" && (neighbours[node.mid] || []).some(function (m) { return inside(byMid[m]); }))) { return false; }
    }
    var rule = ruleFilter ? ruleFilter.value : "";
    if (rule && !node.findings.some(function (f) { return f.code === rule; })) { return false; }
    var allowed = severityBoxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
    if (allowed.indexOf(node.severity || "none") < 0) { return false; }
    return true;
  }
  function apply() {
    var term = (search.value || "").trim().toLowerCase();
    var shown = 0, found = [];
    data.nodes.forEach(function (node) {
      var el = nodeEls[node.mid];
      var ok = matches(node);
      var hit = term !== "" && node.name.toLowerCase().indexOf(term) >= 0;
      if (ok) { shown += 1; }
      if (hit && ok) { found.push(node); }
      if (!el) { return; }
      el.classList.toggle("fm-dim", !ok || (term !== "" && !hit));
      el.classList.toggle("fm-match", hit && ok);
    });
    edgeEls.forEach(function (e) {
      var a = nodeEls[e.source], b = nodeEls[e.target];
      e.el.classList.toggle("fm-dim", !!((a && a.classList.contains("fm-dim")) || (b && b.classList.contains("fm-dim"))));
    });
    status.textContent = shown + " of " + data.nodes.length + " nodes" + (term ? ", " + found.length + " matching \u201c" + search.value.trim() + "\u201d" : "");
    return found;
  }
  search.addEventListener("input", apply);
  search.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") { var found = apply(); if (found.length) { centre(found[0].mid); select(found[0].mid); } }
  });
  [contextFilter, ruleFilter].forEach(function (el) { if (el) { el.addEventListener("change", apply); } });
  severityBoxes.forEach(function (b) { b.addEventListener("change", apply); });

  // --- a clicked node: its findings, each with its rule's explanation and file:line ---
  function text(tag, content, cls) {
    var el = document.createElement(tag);
    if (content !== undefined) { el.textContent = content; }
    if (cls) { el.className = cls; }
    return el;
  }
  function link(href, content) { var a = text("a", content); a.href = href; a.target = "_blank"; a.rel = "noopener"; return a; }
  function select(mid) {
    Object.keys(nodeEls).forEach(function (m) { nodeEls[m].classList.toggle("fm-selected", m === mid); });
    var node = byMid[mid];
    panel.textContent = "";
    panel.appendChild(text("h3", node.name));
    var about = node.kind + (node.context ? " in " + node.context : "") + ": " + node.findings.length + " finding" + (node.findings.length === 1 ? "" : "s");
    panel.appendChild(text("p", about, "fm-about"));
    var list = text("ul");
    list.id = "fm-findings";
    node.findings.forEach(function (f) {
      var item = text("li", undefined, f.severity);
      item.appendChild(link(f.doc, f.code));
      item.appendChild(document.createTextNode(" " + (f.name || "") + ": " + f.message + " "));
      item.appendChild(link(f.href, f.path + ":" + f.line + ":" + f.column));
      if (f.hint) { item.appendChild(text("div", "hint: " + f.hint)); }
      var explain = data.explain[f.code];
      if (explain) {
        var more = text("details");
        more.appendChild(text("summary", "eventlint explain " + f.code));
        more.appendChild(text("pre", explain));
        item.appendChild(more);
      }
      list.appendChild(item);
    });
    if (!node.findings.length) { list.appendChild(text("li", "No findings.")); }
    panel.appendChild(list);
  }
  Object.keys(nodeEls).forEach(function (mid) {
    nodeEls[mid].addEventListener("click", function (ev) { ev.stopPropagation(); select(mid); });
  });
  fit();
  apply();
  document.documentElement.setAttribute("data-flowmap", "ready");
})();
