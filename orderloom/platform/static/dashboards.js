// Draws the dashboard's charts from the figures the server put in the page
// (#dashboard-data); the tables beside them hold the same numbers as text.
/* global Chart */

const data = JSON.parse(document.getElementById("dashboard-data").textContent);
const charts = data.charts;
const money = (value) => Number(value); // for drawing only; tables and CSV keep the exact text
const blue = "#2f6fde";
const green = "#1a7f37";
const amber = "#c77700";
const palette = ["#2f6fde", "#1a7f37", "#c77700", "#8e44ad", "#d64545", "#16a2b8",
                 "#6c757d", "#b8860b", "#2e8b57", "#c2185b"];

function draw(name, config) {
  const canvas = document.querySelector(`canvas[data-chart="${name}"]`);
  if (!canvas || typeof Chart === "undefined") return;
  config.options = Object.assign({ responsive: true, maintainAspectRatio: true,
                                   animation: false }, config.options || {});
  canvas.chart = new Chart(canvas, config);
  canvas.dataset.drawn = "true";
}

draw("sales_over_time", {
  type: "bar",
  data: {
    labels: charts.sales_over_time.map((r) => r.period),
    datasets: [
      { type: "line", label: `Sales (${data.currency})`, yAxisID: "sales",
        data: charts.sales_over_time.map((r) => money(r.sales)), borderColor: blue,
        backgroundColor: blue },
      { label: "Orders", yAxisID: "orders", data: charts.sales_over_time.map((r) => r.orders),
        backgroundColor: "#c9d8f5" },
    ],
  },
  options: { aspectRatio: 3, scales: {
    sales: { position: "left", beginAtZero: true },
    orders: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false } } } },
});

draw("orders_by_state", {
  type: "doughnut",
  data: {
    labels: charts.orders_by_state.map((r) => data.states[r.state] || r.state),
    datasets: [{ data: charts.orders_by_state.map((r) => r.orders), backgroundColor: palette }],
  },
});

draw("orders_by_channel", {
  type: "bar",
  data: {
    labels: charts.orders_by_channel.map((r) => data.channels[r.channel] || r.channel),
    datasets: [{ label: "Orders", data: charts.orders_by_channel.map((r) => r.orders),
                 backgroundColor: green }],
  },
  options: { indexAxis: "y", plugins: { legend: { display: false } } },
});

draw("top_products", {
  type: "bar",
  data: {
    labels: charts.top_products.map((r) => r.sku),
    datasets: [{ label: `Sales (${data.currency})`,
                 data: charts.top_products.map((r) => money(r.sales)), backgroundColor: blue }],
  },
  options: { indexAxis: "y", plugins: { legend: { display: false } } },
});

draw("fulfilment_time", {
  type: "bar",
  data: {
    labels: charts.fulfilment_time.map((r) => data.stages[r.stage] || r.stage),
    datasets: [
      { label: "Median", data: charts.fulfilment_time.map((r) => r.median_hours === null ? null : Number(r.median_hours)),
        backgroundColor: green },
      { label: "90th percentile", data: charts.fulfilment_time.map((r) => r.p90_hours === null ? null : Number(r.p90_hours)),
        backgroundColor: amber },
    ],
  },
  options: { scales: { y: { beginAtZero: true, title: { display: true, text: "hours" } } } },
});

draw("customer_value", {
  type: "bar",
  data: {
    labels: charts.customer_value.map((r) => `${r.from}–${r.to}`),
    datasets: [{ label: "Customers", data: charts.customer_value.map((r) => r.customers),
                 backgroundColor: "#8e44ad" }],
  },
  options: { plugins: { legend: { display: false } },
             scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
});
