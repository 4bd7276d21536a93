"""Feed parsing: a document's format, its entries as Items, their dates, source and identity."""
