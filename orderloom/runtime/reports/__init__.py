"""Reports: the dashboards managers read, each chart one SQL aggregate."""
