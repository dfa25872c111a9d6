"""Core registry of the example pipelines: step names, config classes and step builders."""
