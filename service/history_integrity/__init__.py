"""History you can prove and take away (issue 13 points 3 and 6): verification in words for one instance
or all, the export package (instance.json + a readable index.html + the BPMN) and its offline check."""
