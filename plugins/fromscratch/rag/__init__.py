"""`<rag-qa>`: Chapter 1's retrieve, prompt and generate, staged for the browser and run at build time."""
