// the corpus ships with the fixtures (the scenario plans draw drift from it); tests keep this path
export * from '../fixtures/drift-corpus.js';
