"""Staff-reviewed answers: the model, the question matcher, the store, the library served to clients and the review desk."""
