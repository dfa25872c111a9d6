"""Workspace registry of bob (workspace id `bob_ml`): NLP features.

The folder is named `bob`, but `WORKSPACE_METADATA["developer_id"]` renames the workspace to
`bob_ml`. Read statically by the hybrid registry (never imported).
"""

WORKSPACE_METADATA = {
    "developer_id": "bob_ml",
    "version": "1.0.0",
    "description": "NLP feature steps shared by the messaging models",
}

LOCAL_STEPS = {
    # alice's workspace defines a TextEmbedding too: outside either workspace the name is a
    # cross-workspace conflict until one of them renames it or it moves to the core registry.
    "TextEmbedding": {
        "config_class": "SentenceEmbeddingConfig",
        "builder_step_name": "SentenceEmbeddingStepBuilder",
        "spec_type": "TextEmbedding",
        "sagemaker_step_type": "Processing",
        "description": "Sentence embeddings from a multilingual MiniLM model",
        "framework": "huggingface",
    },
    "DocumentChunking": {
        "config_class": "DocumentChunkingConfig",
        "builder_step_name": "DocumentChunkingStepBuilder",
        "spec_type": "DocumentChunking",
        "sagemaker_step_type": "Processing",
        "description": "Splits long documents into overlapping chunks before embedding",
        "framework": "pandas",
        "job_types": ["training", "calibration", "testing"],
    },
}

STEP_OVERRIDES = {}
