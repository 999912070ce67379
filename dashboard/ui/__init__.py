"""Shared Streamlit pieces every page uses, one concern per module.

- `state`: the session-state keys the modules share.
- `options`: what the filter widgets offer, built once per loaded package.
- `data`: the package the pages show: data/ joined with the records database, per process.
- `url`: the filters <-> the URL query string.
- `sidebar`: the filter widgets (rendered by the entrypoint, so they survive page switches).
- `text`: the one escaping path from data, URL or form text to the page.
- `page`: what every page does first (title, banners, notices, required tables).
- `present`: presentation mode on or off.
- `view`: what the current page has shown, for its exports and slides.
- `display`: charts and tables with their sources and downloads.
- `selection`: values picked on a chart.
- `account`: sign-in (`st.login`) and the signed-in person's role, the sign-in gate, the
  sidebar's account block.
- `records`: what the Record pages share: the records store, who may write, save outcomes,
  problems next to their fields, conflicts, histories.

Pages stay thin: they pick data, call a chart function and hand the result to
`display.show_chart`.
"""
