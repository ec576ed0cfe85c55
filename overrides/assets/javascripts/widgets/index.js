// Loaded only on pages that hold a widget (see overrides/main.html). Defines the custom
// elements; none of them fetches the model until the reader first uses one.
import "./similarity-playground.js";
import "./semantic-search.js";
import "./embedding-map.js";
import "./spam-filter.js";
import "./train-classifier.js";
import "./threshold-explorer.js";
import "./chunking-lab.js";
// The language-model widget's code is only fetched on pages that hold one.
if (document.querySelector("text-generator")) import("./text-generator.js");
if (document.querySelector("rag-qa")) import("./rag-qa.js");
if (document.querySelector("ask-site")) import("./ask-site.js");
