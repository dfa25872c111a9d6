"""Workspace registry of carol: monitoring of calibrated models.

Read statically by the hybrid registry (never imported).
"""

WORKSPACE_METADATA = {
    "developer_id": "carol",
    "version": "1.0.0",
    "description": "Calibration reports and drift monitoring",
}

LOCAL_STEPS = {
    "CalibrationReport": {
        "config_class": "CalibrationReportConfig",
        "builder_step_name": "CalibrationReportStepBuilder",
        "spec_type": "CalibrationReport",
        "sagemaker_step_type": "Processing",
        "description": "Reliability diagrams and expected calibration error per segment",
        "framework": "sklearn",
        "job_types": ["calibration", "validation"],
    },
    "DriftMonitoring": {
        "config_class": "DriftMonitoringConfig",
        "builder_step_name": "DriftMonitoringStepBuilder",
        "spec_type": "DriftMonitoring",
        "sagemaker_step_type": "Processing",
        "description": "Population stability index of features and scores against training",
    },
}

STEP_OVERRIDES = {}
