extension JobRunner {
    /// The models the folders' `image-inbox.yaml` files name (defaults, presets, locked values),
    /// among the files jobs have read so far: what ``ModelRetirementWatch`` counts as in use
    /// besides the configuration's model and the ledger's recent jobs.
    package var folderModels: Set<String> {
        folderDefaults.namedModels()
    }
}
