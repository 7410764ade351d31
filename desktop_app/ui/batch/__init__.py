"""The batch feature: import a CSV, check its leads against the vendors in the background, export results
and suppression lists. :class:`~desktop_app.ui.batch.feature.BatchFeature` wires it into the main window."""
