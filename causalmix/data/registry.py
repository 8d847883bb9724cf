"""The TabArena-v0.1 classification suite (OpenML suite 457) and named subsets of it.

Facts per task (rows, features without the target, classes, OpenML ids) are TabArena's
curated metadata (``curated_tabarena_dataset_metadata.csv``, autogluon/tabarena, Apache-2.0).
"""

from __future__ import annotations

from dataclasses import dataclass

from causalmix.data.errors import DatasetError


@dataclass(frozen=True)
class TabArenaTask:
    """One classification task of TabArena-v0.1."""

    name: str
    openml_dataset_id: int
    openml_task_id: int
    n_rows: int
    n_features: int  # excluding the target
    n_classes: int

    @property
    def problem_type(self) -> str:
        return "binary" if self.n_classes == 2 else "multiclass"


TABARENA_V01: tuple[TabArenaTask, ...] = (
    TabArenaTask("Amazon_employee_access", 46905, 363613, 32769, 9, 2),
    TabArenaTask("anneal", 46906, 363614, 898, 38, 5),
    TabArenaTask("APSFailure", 46908, 363616, 76000, 170, 2),
    TabArenaTask("bank-marketing", 46910, 363618, 45211, 13, 2),
    TabArenaTask("Bank_Customer_Churn", 46911, 363619, 10000, 10, 2),
    TabArenaTask("Bioresponse", 46912, 363620, 3751, 1776, 2),
    TabArenaTask("blood-transfusion-service-center", 46913, 363621, 748, 4, 2),
    TabArenaTask("churn", 46915, 363623, 5000, 19, 2),
    TabArenaTask("coil2000_insurance_policies", 46916, 363624, 9822, 85, 2),
    TabArenaTask("credit-g", 46918, 363626, 1000, 20, 2),
    TabArenaTask("credit_card_clients_default", 46919, 363627, 30000, 23, 2),
    TabArenaTask("customer_satisfaction_in_airline", 46920, 363628, 129880, 21, 2),
    TabArenaTask("diabetes", 46921, 363629, 768, 8, 2),
    TabArenaTask("Diabetes130US", 46922, 363630, 71518, 47, 2),
    TabArenaTask("E-CommereShippingData", 46924, 363632, 10999, 10, 2),
    TabArenaTask("Fitness_Club", 46927, 363671, 1500, 6, 2),
    TabArenaTask("GiveMeSomeCredit", 46929, 363673, 150000, 10, 2),
    TabArenaTask("hazelnut-spread-contaminant-detection", 46930, 363674, 2400, 30, 2),
    TabArenaTask("heloc", 46932, 363676, 10459, 23, 2),
    TabArenaTask("hiva_agnostic", 46933, 363677, 3845, 1617, 3),
    TabArenaTask("HR_Analytics_Job_Change_of_Data_Scientists", 46935, 363679, 19158, 12, 2),
    TabArenaTask("in_vehicle_coupon_recommendation", 46937, 363681, 12684, 24, 2),
    TabArenaTask("Is-this-a-good-customer", 46938, 363682, 1723, 13, 2),
    TabArenaTask("jm1", 46979, 363712, 10885, 21, 2),
    TabArenaTask("kddcup09_appetency", 46939, 363683, 50000, 212, 2),
    TabArenaTask("Marketing_Campaign", 46940, 363684, 2240, 25, 2),
    TabArenaTask("maternal_health_risk", 46941, 363685, 1014, 6, 3),
    TabArenaTask("MIC", 46980, 363711, 1699, 111, 8),
    TabArenaTask("NATICUSdroid", 46969, 363689, 7491, 86, 2),
    TabArenaTask("online_shoppers_intention", 46947, 363691, 12330, 17, 2),
    TabArenaTask("polish_companies_bankruptcy", 46950, 363694, 5910, 64, 2),
    TabArenaTask("qsar-biodeg", 46952, 363696, 1054, 41, 2),
    TabArenaTask("SDSS17", 46955, 363699, 78053, 11, 3),
    TabArenaTask("seismic-bumps", 46956, 363700, 2584, 15, 2),
    TabArenaTask("splice", 46958, 363702, 3190, 60, 3),
    TabArenaTask("students_dropout_and_academic_success", 46960, 363704, 4424, 36, 3),
    TabArenaTask("taiwanese_bankruptcy_prediction", 46962, 363706, 6819, 94, 2),
    TabArenaTask("website_phishing", 46963, 363707, 1353, 9, 3),
)

TASKS: dict[str, TabArenaTask] = {task.name: task for task in TABARENA_V01}

# The 26 tasks that ``../shared/data/tabarena`` mirrors offline (its README lists them).
OFFLINE_MIRROR: tuple[str, ...] = (
    "anneal", "bank-marketing", "Bank_Customer_Churn", "blood-transfusion-service-center",
    "churn", "coil2000_insurance_policies", "credit-g", "credit_card_clients_default",
    "diabetes", "Diabetes130US", "E-CommereShippingData", "Fitness_Club", "heloc",
    "HR_Analytics_Job_Change_of_Data_Scientists", "in_vehicle_coupon_recommendation", "jm1",
    "Marketing_Campaign", "maternal_health_risk", "MIC", "online_shoppers_intention",
    "polish_companies_bankruptcy", "qsar-biodeg", "seismic-bumps", "splice",
    "students_dropout_and_academic_success", "website_phishing",
)

# Named subsets. The paper uses 33 of the 38 tasks but does not list them in the material
# available to us, so there is no "paper-33" suite until the list is known.
SUITES: dict[str, tuple[str, ...]] = {
    "tabarena-v0.1": tuple(task.name for task in TABARENA_V01),
    "offline": OFFLINE_MIRROR,
    # Small, fast, covering binary with categoricals, binary numeric and multiclass.
    "lite": ("credit-g", "diabetes", "maternal_health_risk"),
}


def suite(name: str) -> tuple[str, ...]:
    """Dataset names of a named suite; raises ``DatasetError`` for an unknown suite."""
    if name not in SUITES:
        raise DatasetError(f"Unknown suite {name!r}; known suites: {', '.join(SUITES)}.")
    return SUITES[name]
