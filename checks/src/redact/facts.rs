//! Redaction of the facts of a diagnosis, field by field. Structs are taken apart completely,
//! so a field added to the model does not compile until it is decided here whether and how it
//! is redacted.

use super::{Redactor, is_deployment_id};
use crate::facts::{Diagnosis, Subject};
use crate::model::*;

impl Redactor {
    pub(super) fn diagnosis(&mut self, d: Diagnosis) -> Diagnosis {
        let Diagnosis {
            target,
            observed_at,
            local,
            caller,
            cluster,
            kms_key,
            kms_key_policy,
            log_destinations,
            subjects,
            tasks_left_out,
        } = d;
        Diagnosis {
            target: self.target(target),
            observed_at,
            local: self.fact(local, Self::local),
            caller: self.fact(caller, Self::caller),
            cluster: self.fact(cluster, Self::cluster_fact),
            kms_key: self.fact(kms_key, Self::kms_key),
            kms_key_policy: self.fact(kms_key_policy, Self::key_policy),
            log_destinations: self.fact(log_destinations, Self::log_destinations),
            subjects: subjects.into_iter().map(|s| self.subject(s)).collect(),
            tasks_left_out,
        }
    }

    pub(super) fn target(&mut self, t: Target) -> Target {
        let Target {
            region,
            partition,
            cluster,
            task,
            service,
            container,
            all,
            family,
            started_by,
        } = t;
        Target {
            all,
            family: self.opt(family, |r, f| r.name("family", f)),
            started_by: self.opt(started_by, |r, b| r.name("started-by", b)),
            region,
            partition,
            cluster: self.cluster(&cluster),
            task: self.opt(task, Self::task_ref),
            service: self.opt(service, |r, s| {
                if s.starts_with("arn:") {
                    r.arn(s)
                } else {
                    r.name("service", s)
                }
            }),
            container: self.opt(container, |r, c| r.name("container", c)),
        }
    }

    pub(super) fn local(&mut self, l: LocalTools) -> LocalTools {
        let LocalTools {
            aws_cli,
            session_manager_plugin,
            host_arch,
            host_os,
        } = l;
        LocalTools {
            aws_cli: self.probe(aws_cli),
            session_manager_plugin: self.probe(session_manager_plugin),
            host_arch,
            host_os,
        }
    }

    pub(super) fn probe(&mut self, p: ToolProbe) -> ToolProbe {
        let ToolProbe {
            found,
            path,
            version,
            version_source,
            arch,
            problem,
        } = p;
        ToolProbe {
            found,
            path: self.opt(path, Self::path),
            version,
            version_source,
            arch,
            problem: self.opt(problem, |r, t| r.text(t, true)),
        }
    }

    pub(super) fn caller(&mut self, c: Caller) -> Caller {
        let Caller {
            arn,
            account,
            kind,
            principal_arn,
            principal_lookup_error,
            principal_tags,
        } = c;
        Caller {
            arn: self.arn(&arn),
            account: self.account(&account),
            kind,
            principal_arn: self.opt(principal_arn, Self::arn),
            principal_lookup_error: principal_lookup_error.map(|e| self.error(e)),
            principal_tags: self.tags(principal_tags),
        }
    }

    pub(super) fn cluster_fact(&mut self, c: Cluster) -> Cluster {
        let Cluster {
            arn,
            name,
            status,
            tags,
            exec_config,
        } = c;
        let ExecConfig {
            kms_key_id,
            logging,
            cloud_watch_log_group,
            cloud_watch_encryption_enabled,
            s3_bucket,
            s3_key_prefix,
            s3_encryption_enabled,
        } = exec_config;
        Cluster {
            arn: self.arn(&arn),
            name: self.name("cluster", &name),
            status,
            tags: self.tags(tags),
            exec_config: ExecConfig {
                kms_key_id: self.opt(kms_key_id, Self::kms_key_ref),
                logging,
                cloud_watch_log_group: self
                    .opt(cloud_watch_log_group, |r, g| r.name("log-group", g)),
                cloud_watch_encryption_enabled,
                s3_bucket: self.opt(s3_bucket, |r, b| r.name("bucket", b)),
                s3_key_prefix: self.opt(s3_key_prefix, Self::s3_key),
                s3_encryption_enabled,
            },
        }
    }

    pub(super) fn kms_key(&mut self, k: KmsKey) -> KmsKey {
        let KmsKey {
            arn,
            state,
            key_manager,
        } = k;
        KmsKey {
            arn: self.arn(&arn),
            state,
            key_manager,
        }
    }

    pub(super) fn subject(&mut self, s: Subject) -> Subject {
        let Subject {
            task_ref,
            task,
            service,
            task_definition,
            container_instance,
            instance_role,
            network,
            interface,
            firewall,
            caller_permissions,
            task_role_permissions,
            task_role,
            // Read by `lint` from the user's own files, never recorded.
            task_role_policies: _,
            service_security_groups: _,
        } = s;
        Subject {
            task_ref: self.task_ref(&task_ref),
            task: self.fact(task, Self::task),
            service: self.fact(service, Self::service),
            task_definition: self.fact(task_definition, Self::task_definition),
            container_instance: self.fact(container_instance, Self::container_instance),
            instance_role: self.fact(instance_role, Self::instance_role),
            network: self.fact(network, Self::network),
            interface: self.fact(interface, Self::interface),
            firewall: self.fact(firewall, Self::firewall),
            caller_permissions: self.fact(caller_permissions, Self::simulation),
            task_role_permissions: self.fact(task_role_permissions, Self::simulation),
            task_role: self.fact(task_role, Self::role),
            task_role_policies: crate::facts::Fact::NotFetched,
            service_security_groups: crate::facts::Fact::NotFetched,
        }
    }

    pub(super) fn task(&mut self, t: Task) -> Task {
        let Task {
            arn,
            cluster_arn,
            last_status,
            desired_status,
            stopped_reason,
            launch_type,
            capacity_provider,
            platform_version,
            platform_family,
            enable_execute_command,
            task_definition_arn,
            group,
            started_by,
            container_instance_arn,
            task_role_override,
            tags,
            containers,
            subnet_id,
            eni_id,
            started_at,
        } = t;
        Task {
            arn: self.arn(&arn),
            cluster_arn: self.arn(&cluster_arn),
            last_status,
            desired_status,
            stopped_reason: self.opt(stopped_reason, |r, t| r.text(t, true)),
            launch_type,
            capacity_provider: self.opt(capacity_provider, Self::capacity_provider),
            platform_version,
            platform_family,
            enable_execute_command,
            task_definition_arn: self.task_definition_ref(&task_definition_arn),
            group: self.opt(group, |r, g| match g.split_once(':') {
                Some(("service", name)) => format!("service:{}", r.name("service", name)),
                Some(("family", name)) => format!("family:{}", r.name("family", name)),
                _ => r.name("group", g),
            }),
            // A deployment id is a number ECS chose; any other startedBy is the user's text.
            started_by: self.opt(started_by, |r, b| {
                if is_deployment_id(b) {
                    b.to_string()
                } else {
                    r.name("started-by", b)
                }
            }),
            container_instance_arn: self.opt(container_instance_arn, Self::arn),
            task_role_override: self.opt(task_role_override, Self::arn),
            tags: self.tags(tags),
            containers: containers.into_iter().map(|c| self.container(c)).collect(),
            subnet_id: self.opt(subnet_id, Self::aws_id),
            eni_id: self.opt(eni_id, Self::aws_id),
            started_at,
        }
    }

    pub(super) fn container(&mut self, c: Container) -> Container {
        let Container {
            name,
            last_status,
            runtime_id,
            managed_agents,
        } = c;
        Container {
            name: self.name("container", &name),
            last_status,
            runtime_id: self.opt(runtime_id, |r, id| match id.split_once('-') {
                // Fargate: TASKID-NUMBER.
                Some((task, number))
                    if task.len() == 32 && number.chars().all(|c| c.is_ascii_digit()) =>
                {
                    format!("{}-{number}", r.hex_id("task", task))
                }
                _ => r.hex_id("container", id),
            }),
            managed_agents: managed_agents
                .into_iter()
                .map(|a| {
                    let ManagedAgent {
                        name,
                        last_status,
                        reason,
                        last_started_at,
                    } = a;
                    ManagedAgent {
                        name,
                        last_status,
                        reason: self.opt(reason, |r, t| r.text(t, true)),
                        last_started_at,
                    }
                })
                .collect(),
        }
    }

    pub(super) fn service(&mut self, s: Service) -> Service {
        let Service {
            name,
            arn,
            enable_execute_command,
            launch_type,
            capacity_providers,
            platform_version,
            platform_family,
            task_definition,
            deployments,
            deployment_controller,
        } = s;
        Service {
            name: self.name("service", &name),
            arn: self.opt(arn, Self::arn),
            enable_execute_command,
            launch_type,
            capacity_providers: capacity_providers
                .iter()
                .map(|c| self.capacity_provider(c))
                .collect(),
            platform_version,
            platform_family,
            task_definition: self.opt(task_definition, Self::task_definition_ref),
            deployments: deployments
                .into_iter()
                .map(|d| Deployment {
                    task_definition: self.opt(d.task_definition, Self::task_definition_ref),
                    ..d
                })
                .collect(),
            deployment_controller,
        }
    }

    pub(super) fn task_definition(&mut self, td: TaskDefinition) -> TaskDefinition {
        let TaskDefinition {
            arn,
            family,
            revision,
            task_role_arn,
            execution_role_arn,
            network_mode,
            pid_mode,
            requires_compatibilities,
            os_family,
            containers,
            containers_unresolved,
        } = td;
        TaskDefinition {
            arn: self.opt(arn, Self::arn),
            family: self.name("family", &family),
            revision,
            task_role_arn: task_role_arn.map(|v| self.role_value(v)),
            execution_role_arn: execution_role_arn.map(|v| self.role_value(v)),
            network_mode,
            pid_mode,
            requires_compatibilities,
            os_family,
            containers: containers
                .into_iter()
                .map(|c| self.container_definition(c))
                .collect(),
            containers_unresolved: self.opt(containers_unresolved, |r, t| r.text(t, true)),
        }
    }

    pub(super) fn container_definition(&mut self, c: ContainerDefinition) -> ContainerDefinition {
        let ContainerDefinition {
            name,
            image,
            essential,
            readonly_root_filesystem,
            init_process_enabled,
            environment_names,
            secret_names,
            environment_unresolved,
            environment_files,
            mount_points,
            restart_policy_enabled,
            log_driver,
            no_proxy_link_local,
        } = c;
        ContainerDefinition {
            name: self.name("container", &name),
            image: self.opt(image, Self::image),
            essential,
            readonly_root_filesystem,
            init_process_enabled,
            environment_names,
            secret_names,
            environment_unresolved: self.opt(environment_unresolved, |r, t| r.text(t, true)),
            environment_files: environment_files
                .iter()
                .map(|f| {
                    if f.starts_with("arn:") {
                        self.arn(f)
                    } else {
                        self.text(f, true)
                    }
                })
                .collect(),
            mount_points: mount_points
                .into_iter()
                .map(|m| {
                    let MountPoint {
                        container_path,
                        source_volume,
                        read_only,
                    } = m;
                    MountPoint {
                        container_path,
                        source_volume: self.opt(source_volume, |r, v| r.name("volume", v)),
                        read_only,
                    }
                })
                .collect(),
            restart_policy_enabled,
            log_driver,
            // Link-local addresses only: AWS-defined, nothing to hide.
            no_proxy_link_local,
        }
    }

    pub(super) fn container_instance(&mut self, ci: ContainerInstance) -> ContainerInstance {
        let ContainerInstance {
            arn,
            ec2_instance_id,
            agent_version,
            agent_connected,
            exec_capability,
            os_type,
            subnet_id,
            managed,
            managed_error,
        } = ci;
        ContainerInstance {
            arn: self.arn(&arn),
            ec2_instance_id: self.opt(ec2_instance_id, Self::aws_id),
            agent_version,
            agent_connected,
            exec_capability,
            os_type,
            subnet_id: self.opt(subnet_id, Self::aws_id),
            managed: managed.map(|m| ManagedInstance {
                iam_role: m.iam_role.map(|r| self.name("role", &r)),
                ..m
            }),
            managed_error: managed_error.map(|e| self.error(e)),
        }
    }

    pub(super) fn instance_role(&mut self, r: InstanceRole) -> InstanceRole {
        let InstanceRole {
            instance_profile_arn,
            role_arns,
        } = r;
        InstanceRole {
            instance_profile_arn: self.opt(instance_profile_arn, Self::arn),
            role_arns: role_arns.iter().map(|a| self.arn(a)).collect(),
        }
    }
}
