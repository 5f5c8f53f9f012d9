"""Files people take away: the checklist as XLSX/DOCX, the conversation as DOCX."""
