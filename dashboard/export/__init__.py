"""Builders of downloadable files (CSV, XLSX, PDF, PPTX) from frames and figures. No Streamlit."""
