"""The page's CSS: the levers' labels above full-width sliders, the views two by two in tabs,
and Solara's and Mesa's chrome kept small. (Solara's "This website runs on Solara" badge is
switched off where the server starts, sim/app/server.py.)"""

CSS = """
.placesim-sidebar { padding: 0 !important; }
.placesim-card .v-card__title { font-size: 16px; padding: 6px 12px 0 12px; }
.placesim-card .v-card__text, .placesim-card > div { padding-top: 4px; padding-bottom: 6px; }
.placesim-description { font-size: 12.5px; line-height: 1.35; margin: 4px 0 0 0; color: #444; }
.placesim-lever { margin: 2px 0 8px 0; }
.placesim-lever-label { font-size: 13px; color: #333; }
.placesim-lever-value { font-size: 13px; font-weight: 700; font-variant-numeric: tabular-nums; white-space: nowrap; }
.placesim-lever .v-slider { margin: 0; }
.placesim-lever .v-input--is-disabled .v-slider { opacity: 0.45; }
.placesim-slider .v-input__slot > .v-label { display: none; }
.placesim-lever .v-input--selection-controls .v-label { font-size: 13px; color: #333; }
.placesim-lever .v-input--selection-controls { margin-top: 0; padding-top: 0; }
.placesim-lever .v-text-field { padding-top: 6px; margin-top: 0; }
.placesim-disabled .placesim-lever-label, .placesim-disabled .placesim-lever-value { color: #999; }
.placesim-lever-note { display: block; font-size: 12px; line-height: 1.3; color: #8A3C00; margin-top: 1px; }
.placesim-controls .v-btn { min-width: 64px !important; }
.placesim-progress { font-size: 12.5px; margin-top: 4px; }
.placesim-hint, .placesim-pending { display: block; font-size: 12px; line-height: 1.3; margin-top: 2px; }
.placesim-pending { color: #8A3C00; font-weight: 600; }
.placesim-in-force { display: block; font-size: 11.5px; line-height: 1.35; color: #555; padding: 0 4px 8px 4px; }
.placesim-views { width: 100%; }
.placesim-tabs { margin-bottom: 4px; }
.placesim-tabs .v-tab { text-transform: none; font-size: 14px; letter-spacing: 0; }
.placesim-tab-pages { display: grid; }
.placesim-tab-page {
  grid-area: 1 / 1; display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 4px 14px;
  align-content: start;
}
.placesim-hidden { visibility: hidden; pointer-events: none; }
"""
