"""Workspace registry of alice: feature-store inputs and text embeddings.

Read statically by the hybrid registry (never imported). In this workspace's context a step
name resolves to alice's override, then her local steps, then the core registry.
"""

WORKSPACE_METADATA = {
    "developer_id": "alice",
    "version": "1.0.0",
    "description": "Feature-store inputs and text features for the abuse models",
}

# New steps that exist only in this workspace.
LOCAL_STEPS = {
    "FeatureStoreLoading": {
        "config_class": "FeatureStoreLoadingConfig",
        "builder_step_name": "FeatureStoreLoadingStepBuilder",
        "spec_type": "FeatureStoreLoading",
        "sagemaker_step_type": "Processing",
        "description": "Loads precomputed features from the offline feature store",
        "framework": "pandas",
        "job_types": ["training", "calibration"],
    },
    "TextEmbedding": {
        "config_class": "TextEmbeddingConfig",
        "builder_step_name": "TextEmbeddingStepBuilder",
        "spec_type": "TextEmbedding",
        "sagemaker_step_type": "Processing",
        "description": "Embeds free-text fields with a frozen BERT encoder",
        "framework": "pytorch",
        "priority": 90,
    },
}

# Core steps replaced in this workspace only.
STEP_OVERRIDES = {
    "XGBoostTraining": {
        "config_class": "XGBoostTrainingGpuConfig",
        "builder_step_name": "XGBoostTrainingGpuStepBuilder",
        "spec_type": "XGBoostTraining",
        "sagemaker_step_type": "Training",
        # Why: the text-embedding features make CPU training too slow for alice's models.
        "description": "XGBoost training on GPU instances (gpu_hist) for wide embedding features",
        "framework": "xgboost",
    },
}
