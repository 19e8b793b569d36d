"""Files the service hands out (spreadsheets), written from the domain's values."""
