"""Files made from the domain's values for people to keep: the SMLO's figures as a
spreadsheet. Plain libraries only (openpyxl); never Teams, a store or a dialog. The words
are the cards' own (cards/), so a file never says anything its card would not."""
