//! Kubernetes manifests for a replicated store: a headless Service (stable
//! DNS names `NAME-I.NAME.NAMESPACE.svc.cluster.local`), a ConfigMap (store,
//! peer list, port) and a StatefulSet whose pod `NAME-I` runs
//! `kvstore serve --id I` (the index comes from the pod label
//! `apps.kubernetes.io/pod-index`, Kubernetes >= 1.28; no shell in the image
//! needed). Readiness and liveness use the gRPC health service.

use serde_json::{json, Value};

/// Name of the gRPC port.
pub const PORT_NAME: &str = "grpc";

/// What to render.
#[derive(Debug, Clone)]
pub struct K8sOptions {
    /// Registered store name.
    pub store: String,
    /// Number of replicas.
    pub replicas: usize,
    /// Container image holding `kvstore` on its `PATH`.
    pub image: String,
    /// Object name (default `kvstore-<store>`); must be a DNS label.
    pub name: Option<String>,
    /// Kubernetes namespace.
    pub namespace: String,
    /// gRPC port of every replica.
    pub port: u16,
}

impl K8sOptions {
    /// Defaults: namespace `default`, port 7000, name `kvstore-<store>`.
    pub fn new(store: impl Into<String>, replicas: usize, image: impl Into<String>) -> Self {
        K8sOptions {
            store: store.into(),
            replicas,
            image: image.into(),
            name: None,
            namespace: "default".into(),
            port: 7000,
        }
    }

    /// The object name.
    pub fn name(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("kvstore-{}", self.store))
    }

    /// Peer addresses in replica-id order (stable DNS names of the pods).
    pub fn peers(&self) -> Vec<String> {
        let n = self.name();
        (0..self.replicas)
            .map(|i| {
                format!(
                    "{n}-{i}.{n}.{}.svc.cluster.local:{}",
                    self.namespace, self.port
                )
            })
            .collect()
    }
}

/// Invalid rendering options.
#[derive(Debug, Clone, thiserror::Error)]
#[error("invalid manifest options: {0}")]
pub struct RenderError(pub String);

fn dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// One rendered object.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// Suggested file name, e.g. `statefulset.yaml`.
    pub file: String,
    /// The object as YAML.
    pub yaml: String,
}

/// Render the ConfigMap, the headless Service and the StatefulSet.
pub fn render(opts: &K8sOptions) -> Result<Vec<Manifest>, RenderError> {
    let name = opts.name();
    // The StatefulSet's pods are `NAME-I`, plus a hash label: keep room.
    if !dns_label(&name) || name.len() > 52 {
        return Err(RenderError(format!(
            "name {name:?} must be a DNS label of at most 52 characters"
        )));
    }
    if !dns_label(&opts.namespace) {
        return Err(RenderError(format!(
            "namespace {:?} is not a DNS label",
            opts.namespace
        )));
    }
    if opts.replicas == 0 {
        return Err(RenderError("at least one replica".into()));
    }
    if opts.image.trim().is_empty() {
        return Err(RenderError("an image is needed".into()));
    }
    let labels = json!({
        "app.kubernetes.io/name": "kvstore",
        "app.kubernetes.io/instance": name,
        "kvstore/store": opts.store,
    });
    let selector = json!({
        "app.kubernetes.io/name": "kvstore",
        "app.kubernetes.io/instance": name,
    });
    let config_name = format!("{name}-config");
    let config = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": config_name, "namespace": opts.namespace, "labels": labels},
        "data": {
            "STORE": opts.store,
            "REPLICAS": opts.replicas.to_string(),
            "PORT": opts.port.to_string(),
            "PEERS": opts.peers().join(","),
        }
    });
    let service = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": opts.namespace, "labels": labels},
        "spec": {
            "clusterIP": "None",
            // Peers must resolve each other before they are ready.
            "publishNotReadyAddresses": true,
            "selector": selector,
            "ports": [{"name": PORT_NAME, "port": opts.port, "targetPort": PORT_NAME, "protocol": "TCP"}],
        }
    });
    let probe = |initial: u32| {
        json!({
            "grpc": {"port": opts.port},
            "initialDelaySeconds": initial,
            "periodSeconds": 5,
        })
    };
    let statefulset = json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": opts.namespace, "labels": labels},
        "spec": {
            "serviceName": name,
            "replicas": opts.replicas,
            "podManagementPolicy": "Parallel",
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "terminationGracePeriodSeconds": 10,
                    "containers": [{
                        "name": "kvstore",
                        "image": opts.image,
                        "command": ["kvstore"],
                        "args": [
                            "serve", "--store", "$(STORE)", "--id", "$(POD_INDEX)",
                            "--listen", format!("0.0.0.0:{}", opts.port), "--peers", "$(PEERS)",
                        ],
                        "env": [{
                            "name": "POD_INDEX",
                            "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['apps.kubernetes.io/pod-index']"}},
                        }],
                        "envFrom": [{"configMapRef": {"name": config_name}}],
                        "ports": [{"name": PORT_NAME, "containerPort": opts.port, "protocol": "TCP"}],
                        "readinessProbe": probe(1),
                        "livenessProbe": probe(10),
                        "resources": {
                            "requests": {"cpu": "250m", "memory": "256Mi"},
                            "limits": {"memory": "1Gi"},
                        },
                    }],
                },
            },
        }
    });
    let yaml = |v: &Value| serde_yaml::to_string(v).expect("JSON values serialise to YAML");
    Ok(vec![
        Manifest {
            file: "configmap.yaml".into(),
            yaml: yaml(&config),
        },
        Manifest {
            file: "service.yaml".into(),
            yaml: yaml(&service),
        },
        Manifest {
            file: "statefulset.yaml".into(),
            yaml: yaml(&statefulset),
        },
    ])
}

/// All manifests as one multi-document YAML stream.
pub fn to_stream(ms: &[Manifest]) -> String {
    ms.iter()
        .map(|m| format!("---\n{}", m.yaml))
        .collect::<Vec<_>>()
        .join("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_options_are_refused() {
        let ok = K8sOptions::new("causal", 3, "kvstore:dev");
        assert!(render(&ok).is_ok());
        assert!(render(&K8sOptions {
            replicas: 0,
            ..ok.clone()
        })
        .is_err());
        assert!(render(&K8sOptions {
            name: Some("Bad_Name".into()),
            ..ok.clone()
        })
        .is_err());
        assert!(render(&K8sOptions {
            image: " ".into(),
            ..ok.clone()
        })
        .is_err());
        assert_eq!(
            ok.peers()[2],
            "kvstore-causal-2.kvstore-causal.default.svc.cluster.local:7000"
        );
    }
}
