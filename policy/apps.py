from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "policy"
    verbose_name = "Policies"

    def ready(self) -> None:
        # Validate the configured policy at start-up: a bad file stops the process with a
        # message naming the file, the field and the problem.
        from policy.active import configured_policy

        configured_policy()
