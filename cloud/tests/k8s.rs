//! Rendered manifests against the Kubernetes API types (k8s-openapi), strictly:
//! every field must be known to the API (a typed round trip must give back
//! the same document), required fields present, names, selectors, replica
//! count and peer list consistent.

use cloud::k8s::{render, to_stream, K8sOptions, PORT_NAME};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{ConfigMap, Service};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Remove nulls (typed serialisation omits them) for comparison.
fn clean(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| (k, clean(x)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(clean).collect()),
        x => x,
    }
}

/// Parse `yaml` as `T` and insist that nothing was dropped or changed:
/// like `deny_unknown_fields`, at every depth.
fn strict<T: DeserializeOwned + Serialize>(yaml: &str) -> Result<T, String> {
    let doc: Value = serde_yaml::from_str(yaml).map_err(|e| e.to_string())?;
    let typed: T = serde_json::from_value(doc.clone()).map_err(|e| e.to_string())?;
    let back = clean(serde_json::to_value(&typed).map_err(|e| e.to_string())?);
    if back != clean(doc.clone()) {
        return Err(format!(
            "the typed object differs from the document (unknown or mistyped field)\ndocument: {doc}\ntyped: {back}"
        ));
    }
    Ok(typed)
}

fn parse(opts: &K8sOptions) -> (ConfigMap, Service, StatefulSet) {
    let ms = render(opts).unwrap();
    let by_file: BTreeMap<&str, &str> = ms
        .iter()
        .map(|m| (m.file.as_str(), m.yaml.as_str()))
        .collect();
    (
        strict(by_file["configmap.yaml"]).unwrap(),
        strict(by_file["service.yaml"]).unwrap(),
        strict(by_file["statefulset.yaml"]).unwrap(),
    )
}

#[test]
fn manifests_are_valid_and_consistent() {
    for replicas in [1usize, 3, 5] {
        let mut opts = K8sOptions::new("causal", replicas, "registry.example/kvstore:1.0");
        opts.namespace = "kv".into();
        let (cm, svc, sts) = parse(&opts);
        let name = "kvstore-causal";

        // ConfigMap: store, replica count and peers.
        assert_eq!(cm.metadata.name.as_deref(), Some("kvstore-causal-config"));
        let data = cm.data.unwrap();
        assert_eq!(data["STORE"], "causal");
        assert_eq!(data["REPLICAS"], replicas.to_string());
        let peers: Vec<&str> = data["PEERS"].split(',').collect();
        assert_eq!(peers.len(), replicas);
        for (i, p) in peers.iter().enumerate() {
            assert_eq!(*p, format!("{name}-{i}.{name}.kv.svc.cluster.local:7000"));
        }

        // Headless service selecting the pods, on the container's port.
        assert_eq!(svc.metadata.name.as_deref(), Some(name));
        assert_eq!(svc.metadata.namespace.as_deref(), Some("kv"));
        let sspec = svc.spec.unwrap();
        assert_eq!(sspec.cluster_ip.as_deref(), Some("None"));
        let sel = sspec.selector.unwrap();
        let port = &sspec.ports.unwrap()[0];
        assert_eq!(port.port, 7000);

        // StatefulSet.
        assert_eq!(sts.metadata.name.as_deref(), Some(name));
        let spec = sts.spec.unwrap();
        assert_eq!(spec.service_name, name);
        assert_eq!(spec.replicas, Some(replicas as i32));
        let match_labels = spec.selector.match_labels.unwrap();
        let pod_labels = spec.template.metadata.unwrap().labels.unwrap();
        for (k, v) in match_labels.iter().chain(sel.iter()) {
            assert_eq!(
                pod_labels.get(k),
                Some(v),
                "label {k} does not select the pods"
            );
        }
        let pod = spec.template.spec.unwrap();
        assert_eq!(pod.containers.len(), 1);
        let c = &pod.containers[0];
        assert_eq!(c.image.as_deref(), Some("registry.example/kvstore:1.0"));
        let cport = &c.ports.as_ref().unwrap()[0];
        assert_eq!(cport.container_port, 7000);
        assert_eq!(cport.name.as_deref(), Some(PORT_NAME));
        assert_eq!(
            port.target_port,
            Some(
                k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(PORT_NAME.into())
            )
        );
        // The container reads the config map the peers are in, and gets its id.
        let env_from = c.env_from.as_ref().unwrap();
        assert_eq!(
            env_from[0].config_map_ref.as_ref().unwrap().name,
            "kvstore-causal-config"
        );
        let args = c.args.as_ref().unwrap();
        for a in ["$(STORE)", "$(POD_INDEX)", "$(PEERS)", "0.0.0.0:7000"] {
            assert!(args.iter().any(|x| x == a), "missing {a} in {args:?}");
        }
        let env = c.env.as_ref().unwrap();
        assert_eq!(env[0].name, "POD_INDEX");
        assert!(c.readiness_probe.as_ref().unwrap().grpc.is_some());
    }
}

#[test]
fn the_stream_holds_every_object_and_the_check_catches_unknown_fields() {
    let opts = K8sOptions::new("handwritten-vc", 3, "kvstore:dev");
    let stream = to_stream(&render(&opts).unwrap());
    let kinds: Vec<String> = serde_yaml::Deserializer::from_str(&stream)
        .map(|d| {
            let v = Value::deserialize(d).unwrap();
            v["kind"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(kinds, ["ConfigMap", "Service", "StatefulSet"]);

    // A misspelt field is caught by the strict round trip.
    let ms = render(&opts).unwrap();
    let sts = &ms
        .iter()
        .find(|m| m.file == "statefulset.yaml")
        .unwrap()
        .yaml;
    let typo = sts.replace("serviceName:", "servicename:");
    assert_ne!(&typo, sts);
    assert!(strict::<StatefulSet>(&typo).is_err());
    let svc = &ms.iter().find(|m| m.file == "service.yaml").unwrap().yaml;
    assert!(strict::<Service>(&svc.replace("clusterIP:", "clusterIp:")).is_err());
    // And so is a wrong type (replicas as a string).
    let wrong = sts.replace("replicas: 3", "replicas: three");
    assert!(strict::<StatefulSet>(&wrong).is_err());
}

use serde::Deserialize;
