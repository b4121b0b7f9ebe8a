// The programme map: department and province outlines from the database (no internet tiles),
// communities as circles sized by the money transferred. Clicking an outline drills down the
// dashboard; clicking a community opens its page.
(function () {
  "use strict";
  var element = document.getElementById("monitoring-map");
  var source = document.getElementById("monitoring-map-data");
  if (!element || !source || typeof L === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var map = L.map(element, { zoomSnap: 0.25, attributionControl: false });
  var bounds = L.latLngBounds([]);
  var styles = {
    1: { color: "#6b625c", weight: 1.5, fill: true, fillColor: "#f5efe6", fillOpacity: 0.6 },
    2: { color: "#a39a92", weight: 0.8, fill: true, fillColor: "#f5efe6", fillOpacity: 0.2 }
  };
  data.boundaries.forEach(function (outline) {
    var layer = L.geoJSON(outline.geometry, { style: styles[outline.level] || styles[2] });
    layer.bindTooltip(outline.name);
    layer.on("click", function () {
      window.location = data.dashboard + "&area=" + encodeURIComponent(outline.code);
    });
    layer.addTo(map);
    if (outline.level === 2 || data.communities.length === 0) { bounds.extend(layer.getBounds()); }
  });
  var largest = 1;
  data.communities.forEach(function (c) { largest = Math.max(largest, c.transferred); });
  data.communities.forEach(function (c) {
    var radius = 3 + 9 * Math.sqrt(c.transferred / largest);
    var marker = L.circleMarker([c.lat, c.lng], {
      radius: radius, color: "#2f6f4f", weight: 1, fillColor: c.transferred ? "#2f6f4f" : "#c9c2bb", fillOpacity: 0.7
    });
    var amount = (c.transferred / 100).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    marker.bindTooltip(c.name + " · " + data.currency + " " + amount + " · " + c.households);
    marker.on("click", function () {
      window.location = data.community + c.id + "/?programme=" + data.programme;
    });
    marker.addTo(map);
    bounds.extend([c.lat, c.lng]);
  });
  if (bounds.isValid()) { map.fitBounds(bounds, { padding: [10, 10] }); } else { map.setView([-13.6, -72.9], 7); }
})();
