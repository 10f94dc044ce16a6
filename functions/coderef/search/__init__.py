"""Search: the index file built at import time, and the query engine that reads it."""
